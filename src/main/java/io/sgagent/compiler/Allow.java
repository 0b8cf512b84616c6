package io.sgagent.compiler;

import inet.ipaddr.IPAddress;
import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.Protocol;
import io.sgagent.ruleset.ConntrackEntry;
import io.sgagent.ruleset.Match;
import io.sgagent.ruleset.Match.PortSpan;
import java.util.ArrayList;
import java.util.List;

/**
 * One allow of a VM's policy in one family and direction: an infrastructure exception (DHCP, DNS, neighbour
 * discovery) or one CIDR of a security-group rule. The same value is compiled into a filter rule
 * ({@link #matches}) and used to judge an existing flow ({@link #admits}), so the rules in the kernel and the
 * conntrack cleanup (B6) cannot disagree about what a VM allows.
 *
 * @param origin   what produced it, carried into the rule's comment
 * @param peer     the remote network (source for ingress, destination for egress); null or /0 = anywhere
 * @param protocol the IP protocol; {@link Protocol#ALL} = any
 * @param sport    tcp/udp source ports; null = any
 * @param dport    tcp/udp destination ports; null = any
 * @param icmp     ICMP/ICMPv6 type and code; null = any
 * @param hopLimit required IPv6 hop limit (router advertisements); null = any. Conntrack does not track the
 *                 messages this is used for, so {@link #admits} ignores it.
 */
record Allow(String origin, Cidr peer, Protocol protocol, PortSpan sport, PortSpan dport, IcmpMatch icmp,
             Integer hopLimit) {
    private static final int ICMP = 1;
    private static final int ICMPV6 = 58;

    static Allow udp(String origin, int sport, int dport) {
        return new Allow(origin, null, Protocol.UDP, sport > 0 ? PortSpan.of(sport) : null,
                dport > 0 ? PortSpan.of(dport) : null, null, null);
    }

    static Allow tcp(String origin, int dport) {
        return new Allow(origin, null, Protocol.TCP, null, PortSpan.of(dport), null, null);
    }

    static Allow icmp(String origin, int type) {
        return new Allow(origin, null, Protocol.ICMP, null, null, new IcmpMatch(type, null), null);
    }

    static Allow everything(String origin) {
        return new Allow(origin, null, Protocol.ALL, null, null, null, null);
    }

    Allow from(String network) {
        return new Allow(origin, Cidr.parse(network), protocol, sport, dport, icmp, hopLimit);
    }

    Allow hopLimit(int limit) {
        return new Allow(origin, peer, protocol, sport, dport, icmp, limit);
    }

    /**
     * The rule matches in this family. {@code ingress}: the peer is the source ({@code -s}), else the
     * destination. A /0 peer and a full port range render nothing, as iptables-save would print them.
     */
    List<Match> matches(Family family, boolean ingress) {
        List<Match> matches = new ArrayList<>();
        if (peer != null && !peer.isAny()) {
            matches.add(ingress ? new Match.Source(peer.toString()) : new Match.Destination(peer.toString()));
        }
        if (protocol.isAll()) {
            return matches;
        }
        if (protocol.hasPorts()) {
            matches.add(new Match.Protocol(protocol.name()));
            if (sport != null || dport != null) {
                matches.add(new Match.Ports(protocol.name(), sport, dport));
            }
        } else if (protocol.isIcmp()) {
            matches.add(family == Family.IPV4 ? Match.Protocol.ICMP : Match.Protocol.ICMPV6);
            if (icmp != null && !icmp.isAny()) {
                matches.add(new Match.IcmpType(family == Family.IPV6, icmp.type(), icmp.code()));
            }
        } else {
            matches.add(new Match.Protocol(Integer.toString(protocol.number())));
        }
        if (hopLimit != null) {
            matches.add(new Match.HopLimit(hopLimit));
        }
        return matches;
    }

    /**
     * Would this allow admit a new flow like {@code flow}, whose remote end is {@code peerAddress}? A peer that
     * is not an address of the family (cannot be judged) is admitted: the flow is left alone.
     */
    boolean admits(Family family, String peerAddress, ConntrackEntry flow) {
        if (peer != null && !peer.isAny()) {
            IPAddress address;
            try {
                address = io.sgagent.model.Addresses.host(peerAddress, family);
            } catch (IllegalArgumentException e) {
                return true;
            }
            if (!peer.contains(address)) {
                return false;
            }
        }
        if (protocol.isAll()) {
            return true;
        }
        if (protocol.isIcmp()) {
            boolean typeOk = icmp == null || icmp.isAny() || (icmp.type() == flow.icmpType()
                    && (icmp.code() == null || icmp.code() == flow.icmpCode()));
            return flow.protocol() == (family == Family.IPV4 ? ICMP : ICMPV6) && typeOk;
        }
        if (flow.protocol() != protocol.number()) {
            return false;
        }
        return !protocol.hasPorts() || ((sport == null || sport.contains(flow.sourcePort()))
                && (dport == null || dport.contains(flow.destinationPort())));
    }
}
