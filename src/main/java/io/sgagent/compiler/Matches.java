package io.sgagent.compiler;

import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.PortRange;
import io.sgagent.model.SgRule;

/**
 * Renders the match part of rules in the exact form iptables-save prints it (address, protocol, then match
 * modules), so compiled rules and the kernel's own listing read the same.
 */
final class Matches {
    private Matches() {
    }

    static String physdevIn(String device) {
        return "-m physdev --physdev-in " + device + " --physdev-is-bridged";
    }

    static String physdevOut(String device) {
        return "-m physdev --physdev-out " + device + " --physdev-is-bridged";
    }

    static String udp(int sport, int dport) {
        return "-p udp -m udp" + (sport > 0 ? " --sport " + sport : "") + (dport > 0 ? " --dport " + dport : "");
    }

    static String tcpDport(int dport) {
        return "-p tcp -m tcp --dport " + dport;
    }

    static String icmp6(int type) {
        return "-p ipv6-icmp -m icmp6 --icmpv6-type " + type;
    }

    static String established() {
        return "-m conntrack --ctstate RELATED,ESTABLISHED";
    }

    static String setMatch(String set, String direction) {
        return "-m set --match-set " + set + " " + direction;
    }

    /**
     * One security-group rule towards or from one CIDR. {@code addressFlag} is "-s" for ingress (the peer is
     * the source) and "-d" for egress. A /0 CIDR renders no address match, as iptables-save would.
     */
    static String sgRule(SgRule rule, Cidr cidr, String addressFlag) {
        StringBuilder sb = new StringBuilder();
        if (!cidr.isAny()) {
            sb.append(addressFlag).append(' ').append(cidr).append(' ');
        }
        sb.append(protocol(rule, cidr.family()));
        return sb.toString().strip();
    }

    private static String protocol(SgRule rule, Family family) {
        if (rule.protocol().isAll()) {
            return "";
        }
        if (rule.protocol().hasPorts()) {
            String name = rule.protocol().name();
            PortRange ports = rule.ports();
            String base = "-p " + name;
            if (ports.isAll()) {
                return base;
            }
            String range = ports.start() == ports.end() ? Integer.toString(ports.start())
                    : ports.start() + ":" + ports.end();
            return base + " -m " + name + " --dport " + range;
        }
        if (rule.protocol().isIcmp()) {
            IcmpMatch icmp = rule.icmp();
            String base = family == Family.IPV4 ? "-p icmp" : "-p ipv6-icmp";
            if (icmp.isAny()) {
                return base;
            }
            String typeCode = icmp.code() == null ? Integer.toString(icmp.type()) : icmp.type() + "/" + icmp.code();
            return family == Family.IPV4 ? base + " -m icmp --icmp-type " + typeCode
                    : base + " -m icmp6 --icmpv6-type " + typeCode;
        }
        return "-p " + rule.protocol().number();
    }
}
