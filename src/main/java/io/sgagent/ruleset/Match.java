package io.sgagent.ruleset;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * One condition of a rule, as typed data. Each kind renders itself in the exact form {@code iptables-save}
 * (or {@code ebtables-nft-save}) prints it, so restore input and the kernel's own listing read the same; this
 * file is the only place that knows those spellings. {@link #rank()} orders a rule's matches the way the save
 * tools print them: addresses and protocol first, then match modules in the order they were given.
 *
 * <p>A new kind of match (a connection limit, a mark) is one more record here.
 */
public sealed interface Match {
    /** Addresses and interfaces print before the protocol, match modules after it. */
    int ADDRESS = 0;
    int PROTOCOL = 1;
    int MODULE = 2;

    String render();

    default int rank() {
        return MODULE;
    }

    /** {@code -s}: IP source network in canonical form with prefix, e.g. {@code 10.0.0.0/8}. */
    record Source(String cidr) implements Match {
        @Override
        public String render() {
            return "-s " + cidr;
        }

        @Override
        public int rank() {
            return ADDRESS;
        }
    }

    /** {@code -d}: IP destination network. */
    record Destination(String cidr) implements Match {
        @Override
        public String render() {
            return "-d " + cidr;
        }

        @Override
        public int rank() {
            return ADDRESS;
        }
    }

    /** {@code -p}: an IP protocol name ({@code tcp}, {@code udp}, {@code icmp}, {@code ipv6-icmp}) or number. */
    record Protocol(String name) implements Match {
        public static final Protocol TCP = new Protocol("tcp");
        public static final Protocol UDP = new Protocol("udp");
        public static final Protocol ICMP = new Protocol("icmp");
        public static final Protocol ICMPV6 = new Protocol("ipv6-icmp");

        @Override
        public String render() {
            return "-p " + name;
        }

        @Override
        public int rank() {
            return PROTOCOL;
        }
    }

    /** An inclusive port range; a single port when first == last. */
    record PortSpan(int first, int last) {
        public static PortSpan of(int port) {
            return new PortSpan(port, port);
        }

        public boolean contains(int port) {
            return port >= first && port <= last;
        }

        String render() {
            return first == last ? Integer.toString(first) : first + ":" + last;
        }
    }

    /**
     * Source and destination ports; either span may be null (any). Needs the matching {@link Protocol}.
     *
     * <p>TCP renders as {@code -m tcp --sport --dport}. Everything else renders with {@code -m multiport}, one match
     * per side: iptables 1.8.9 parses each {@code -m udp} port with {@code getaddrinfo()}, which (AI_ADDRCONFIG)
     * dumps every address of every interface over netlink — with 1000 VM ports that made a cold restore take 93 s
     * instead of 5 s. {@code multiport} parses numbers directly, compiles to the same native nft expressions and
     * is listed back by {@code *-save} exactly as written.
     */
    record Ports(String protocol, PortSpan sport, PortSpan dport) implements Match {
        @Override
        public String render() {
            if (protocol.equals("tcp") || (sport == null && dport == null)) {
                return "-m " + protocol + (sport == null ? "" : " --sport " + sport.render())
                        + (dport == null ? "" : " --dport " + dport.render());
            }
            String sports = sport == null ? "" : "-m multiport --sports " + sport.render();
            String dports = dport == null ? "" : "-m multiport --dports " + dport.render();
            return (sports + " " + dports).strip();
        }
    }

    /** {@code -m icmp --icmp-type} (IPv4) or {@code -m icmp6 --icmpv6-type} (IPv6); code null = any code. */
    record IcmpType(boolean v6, int type, Integer code) implements Match {
        @Override
        public String render() {
            String typeCode = code == null ? Integer.toString(type) : type + "/" + code;
            return v6 ? "-m icmp6 --icmpv6-type " + typeCode : "-m icmp --icmp-type " + typeCode;
        }
    }

    /**
     * {@code -m physdev}: the bridge port a bridged packet came in on ({@code in}) or leaves by. A name ending
     * in {@code +} matches every port with that prefix. {@code bridged} adds {@code --physdev-is-bridged}
     * (forwarded by the bridge, not addressed to the host).
     */
    record Physdev(String device, boolean in, boolean bridged) implements Match {
        @Override
        public String render() {
            return "-m physdev " + (in ? "--physdev-in " : "--physdev-out ") + device
                    + (bridged ? " --physdev-is-bridged" : "");
        }
    }

    /** {@code -m set --match-set <set> src|dst}. */
    record InSet(String set, boolean source) implements Match {
        @Override
        public String render() {
            return "-m set --match-set " + set + (source ? " src" : " dst");
        }
    }

    /** {@code -m conntrack --ctstate RELATED,ESTABLISHED}: a packet of a connection already allowed. */
    record Established() implements Match {
        @Override
        public String render() {
            return "-m conntrack --ctstate RELATED,ESTABLISHED";
        }
    }

    /**
     * {@code -m conntrack --ctstate NEW}: a packet that would create a conntrack entry. Only for rules that
     * refuse (the conntrack quota); an allow must never match on it (B5).
     */
    record NewConnection() implements Match {
        @Override
        public String render() {
            return "-m conntrack --ctstate NEW";
        }
    }

    /**
     * {@code -m connlimit --connlimit-above}: more than {@code above} connections are already counted in the
     * packet's bucket; {@code mask} is the prefix length that groups addresses into buckets (0: one bucket for
     * all), grouped by source ({@code --connlimit-saddr}) or destination address. Printed with every option,
     * as iptables-save 1.8.9 lists it.
     */
    record ConnLimitAbove(int above, int mask, boolean source) implements Match {
        @Override
        public String render() {
            return "-m connlimit --connlimit-above " + above + " --connlimit-mask " + mask
                    + (source ? " --connlimit-saddr" : " --connlimit-daddr");
        }
    }

    /** {@code -m addrtype --src-type|--dst-type LOCAL|BROADCAST|MULTICAST}. */
    record AddrType(boolean source, String type) implements Match {
        @Override
        public String render() {
            return "-m addrtype " + (source ? "--src-type " : "--dst-type ") + type;
        }
    }

    /** {@code -m hl --hl-eq}: the IPv6 hop limit. */
    record HopLimit(int equals) implements Match {
        @Override
        public String render() {
            return "-m hl --hl-eq " + equals;
        }
    }

    /**
     * The IPv6 header's Next Header is not {@code value}: the packet carries extension headers. ip6tables has no
     * such match; {@code u32} reads the byte (offset 6) directly.
     */
    record NotNextHeader(int value) implements Match {
        @Override
        public String render() {
            return "-m u32 ! --u32 \"0x4&0xff00=0x" + Integer.toHexString(value << 8) + "\"";
        }
    }

    /**
     * The target address of a neighbour solicitation/advertisement equals {@code address}. ip6tables has no ND
     * match; {@code u32} compares the four words at offsets 48-60 (40-byte IPv6 header, 8-byte ICMPv6 header).
     * The offsets hold only when no extension header precedes the ICMPv6 header: pair with
     * {@link NotNextHeader}. A packet too short to hold a target does not match.
     */
    record NdTarget(String address) implements Match {
        @Override
        public String render() {
            ByteBuffer bytes = ByteBuffer.wrap(ipv6Bytes(address));
            StringBuilder tests = new StringBuilder();
            for (int offset = 48; offset < 64; offset += 4) {
                if (offset > 48) {
                    tests.append("&&");
                }
                tests.append("0x").append(Integer.toHexString(offset)).append("=0x")
                        .append(Integer.toHexString(bytes.getInt()));
            }
            return "-m u32 --u32 \"" + tests + "\"";
        }

        private static byte[] ipv6Bytes(String literal) {
            if (!literal.contains(":")) {
                throw new IllegalArgumentException("not an IPv6 address: " + literal);
            }
            try {
                // A literal: parsed, never looked up.
                byte[] bytes = InetAddress.getByName(literal).getAddress();
                if (bytes.length != 16) {
                    throw new IllegalArgumentException("not an IPv6 address: " + literal);
                }
                return bytes;
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IPv6 address: " + literal, e);
            }
        }
    }

    // Bridge family (ebtables) matches.

    /** ebtables {@code -i}: the bridge port a frame came in on ({@code +} suffix: prefix). */
    record InInterface(String device) implements Match {
        @Override
        public String render() {
            return "-i " + device;
        }

        @Override
        public int rank() {
            return ADDRESS;
        }
    }

    /** ebtables {@code -p}: the EtherType ({@code ARP}, {@code IPv4}, {@code IPv6}). */
    record EtherType(String name) implements Match {
        @Override
        public String render() {
            return "-p " + name;
        }

        @Override
        public int rank() {
            return PROTOCOL;
        }
    }

    /** ebtables {@code -s ! <mac>}: the Ethernet source is not this MAC. */
    record MacSourceNot(String mac) implements Match {
        @Override
        public String render() {
            return "-s ! " + mac;
        }

        @Override
        public int rank() {
            return ADDRESS;
        }
    }

    /** ebtables {@code --arp-mac-src ! <mac>}: the ARP sender hardware address is not this MAC. */
    record ArpMacSourceNot(String mac) implements Match {
        @Override
        public String render() {
            return "--arp-mac-src ! " + mac;
        }
    }

    /** ebtables {@code --arp-ip-src}: the ARP sender protocol address. */
    record ArpIpSource(String address) implements Match {
        @Override
        public String render() {
            return "--arp-ip-src " + address;
        }
    }
}
