package io.sgagent.cloudstack;

import inet.ipaddr.IPAddress;
import io.sgagent.model.Addresses;
import io.sgagent.model.Cidr;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.InvalidInputException.Violation;
import io.sgagent.model.PortRange;
import io.sgagent.model.Protocol;
import io.sgagent.model.SgRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses CloudStack's {@code --rules} string into sg-agent rules, exactly.
 *
 * <p>Format (CloudStack's {@code SecurityGroupRulesCmd.stringifyRules()}, whose spaces the KVM agent replaces with
 * {@code ;}): a sequence of {@code I:} (ingress) or {@code E:} (egress) rules, each
 * {@code proto;start;end;cidr,cidr,...,NEXT;}, e.g.
 * {@code I:tcp;22;22;0.0.0.0/0,::/0,NEXT;E:all;0;0;0.0.0.0/0,NEXT;}. The separator after {@code NEXT} may also be
 * a space (the string before the agent's replacement) or the end of the string. A trailing empty element after the
 * last comma is CloudStack's normal output; any other empty element, a missing field, text after the last
 * {@code NEXT} or an unparseable number or address makes the whole string invalid: CloudStack's own script skips
 * what it cannot read, which silently changes a VM's firewall, so here the update is refused instead and the
 * previous rules stay in force.
 *
 * <p>Meaning, as CloudStack's KVM script programs it:
 * <ul>
 *   <li>{@code tcp}/{@code udp} (also {@code 6}/{@code 17}): {@code start;end} is an inclusive port range; {@code 0;0}
 *       and {@code -1;-1} mean every port.</li>
 *   <li>{@code icmp}: {@code start;end} are ICMP type and code, {@code -1} = any; for IPv6 CIDRs it means ICMPv6.</li>
 *   <li>{@code all}: every protocol; {@code start;end} are ignored ({@code 0;0}).</li>
 *   <li>any other protocol, by number 1-255 or by {@code /etc/protocols} name ({@code gre}, {@code esp}...): that
 *       protocol, {@code start;end} ignored. Number {@code 0} (and its names {@code ip}, {@code hopopt}) means every
 *       protocol, because that is what {@code iptables -p 0} does in CloudStack's own script.</li>
 *   <li>A CIDR with host bits set ({@code fd99::11/64}) is narrowed to that single host: this is how CloudStack
 *       describes a security-group <em>member</em> (#14037 widened IPv6 members to their /64), and narrowing can
 *       never open more than the address named. The count is reported in {@link ParsedRules#narrowedCidrs()}.</li>
 *   <li>A rule whose CIDR list is empty allows nothing and is dropped (the script programs nothing for it).</li>
 * </ul>
 * Stateless and thread-safe.
 */
final class RuleStringParser {
    static final String FIELD = "rules";

    private RuleStringParser() {
    }

    /** Ingress and egress rules in string order, and how many CIDRs were narrowed to a host. */
    record ParsedRules(List<SgRule> ingress, List<SgRule> egress, int narrowedCidrs) {
        static final ParsedRules NONE = new ParsedRules(List.of(), List.of(), 0);

        ParsedRules {
            ingress = List.copyOf(ingress);
            egress = List.copyOf(egress);
        }
    }

    /** {@code null} or empty (CloudStack omits {@code --rules} when a VM has no rules) means no rules. */
    static ParsedRules parse(String rules) {
        if (rules == null || rules.isEmpty()) {
            return ParsedRules.NONE;
        }
        List<SgRule> ingress = new ArrayList<>();
        List<SgRule> egress = new ArrayList<>();
        List<Violation> violations = new ArrayList<>();
        int[] narrowed = {0};
        int position = 0;
        int index = 0;
        while (position < rules.length()) {
            int next = rules.indexOf("NEXT", position);
            if (next < 0) {
                violations.add(new Violation(FIELD + "[" + index + "]", "'" + abbreviate(rules.substring(position))
                        + "' does not end with NEXT; (a rule is I:|E:proto;start;end;cidr,...,NEXT;)"));
                break;
            }
            int end = next + "NEXT".length();
            if (end < rules.length()) {
                char separator = rules.charAt(end);
                if (separator != ';' && separator != ' ') {
                    violations.add(new Violation(FIELD + "[" + index + "]", "NEXT must be followed by ';'"));
                    break;
                }
                end++;
            }
            String text = rules.substring(position, next);
            int before = violations.size();
            Direction direction = null;
            SgRule rule = null;
            try {
                direction = direction(text);
                rule = rule(text.substring(2), narrowed);
            } catch (IllegalArgumentException e) {
                violations.add(new Violation(FIELD + "[" + index + "]",
                        e.getMessage() + " in '" + abbreviate(text) + "'"));
            }
            if (violations.size() == before && rule != null) {
                (direction == Direction.INGRESS ? ingress : egress).add(rule);
            }
            position = end;
            index++;
        }
        if (!violations.isEmpty()) {
            throw new InvalidInputException(violations);
        }
        return new ParsedRules(ingress, egress, narrowed[0]);
    }

    private enum Direction { INGRESS, EGRESS }

    private static Direction direction(String text) {
        if (text.startsWith("I:")) {
            return Direction.INGRESS;
        }
        if (text.startsWith("E:")) {
            return Direction.EGRESS;
        }
        throw new IllegalArgumentException("a rule starts with I: (ingress) or E: (egress)");
    }

    /** {@code proto;start;end;cidrs}; null when the rule names no CIDR (it allows nothing). */
    private static SgRule rule(String text, int[] narrowed) {
        String[] fields = text.split(";", -1);
        if (fields.length != 4) {
            throw new IllegalArgumentException("expected proto;start;end;cidr,...,");
        }
        String name = fields[0].toLowerCase(Locale.ROOT);
        int start = integer(fields[1], "start");
        int end = integer(fields[2], "end");
        List<Cidr> cidrs = cidrs(fields[3], narrowed);
        Protocol protocol = protocol(name);
        PortRange ports = null;
        IcmpMatch icmp = null;
        if (protocol.hasPorts()) {
            ports = ports(start, end);
        } else if (name.equals("icmp")) {
            icmp = icmp(start, end);
        }
        // Other protocols (and "all", and icmp by number or name) carry 0;0 and no meaning in start;end.
        return cidrs.isEmpty() ? null : new SgRule(protocol, ports, icmp, cidrs);
    }

    private static int integer(String text, String what) {
        if (!text.matches("-?[0-9]{1,6}")) {
            throw new IllegalArgumentException(what + " '" + abbreviate(text) + "' is not an integer");
        }
        return Integer.parseInt(text);
    }

    /** Comma-separated, with CloudStack's trailing empty element after the last comma. */
    private static List<Cidr> cidrs(String text, int[] narrowed) {
        java.util.Set<Cidr> cidrs = new java.util.LinkedHashSet<>();
        if (text.isEmpty()) {
            return List.of();
        }
        String[] parts = text.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty()) {
                if (i == parts.length - 1) {
                    continue;
                }
                throw new IllegalArgumentException("empty CIDR");
            }
            cidrs.add(cidr(part, narrowed));
        }
        return List.copyOf(cidrs);
    }

    /** A CIDR or a bare address; host bits set narrow it to the host (see the class comment). */
    static Cidr cidr(String text, int[] narrowed) {
        try {
            return Addresses.cidr(text);
        } catch (IllegalArgumentException strict) {
            int slash = text.indexOf('/');
            if (slash < 0 || !text.substring(slash + 1).matches("[0-9]{1,3}")) {
                throw strict;
            }
            Cidr host;
            try {
                host = Addresses.cidr(text.substring(0, slash));
            } catch (IllegalArgumentException e) {
                throw strict;
            }
            IPAddress address = host.block();
            int length = Integer.parseInt(text.substring(slash + 1));
            if (length > address.getBitCount()) {
                throw strict;
            }
            narrowed[0]++;
            return host;
        }
    }

    /** tcp/udp ports: 0;0 and -1;-1 mean all ports (the script adds no --dport for 0;0); 0 as a start means 1. */
    private static PortRange ports(int start, int end) {
        if ((start == 0 && end == 0) || (start == -1 && end == -1)) {
            return null;
        }
        if (start < 0 || start > 65535 || end < 1 || end > 65535) {
            throw new IllegalArgumentException("port range " + start + "-" + end + " is outside 0-65535");
        }
        if (start > end) {
            throw new IllegalArgumentException("port range start " + start + " is greater than its end " + end);
        }
        return new PortRange(Math.max(1, start), end);
    }

    /** type;code, -1 = any. A code without a type means any type (the script ignores the code then). */
    private static IcmpMatch icmp(int type, int code) {
        if (type == -1) {
            return IcmpMatch.ANY;
        }
        if (type < 0 || type > 255 || code < -1 || code > 255) {
            throw new IllegalArgumentException("icmp type/code " + type + "/" + code + " is outside 0-255 (-1 = any)");
        }
        return new IcmpMatch(type, code == -1 ? null : code);
    }

    /** tcp, udp, icmp, all, a number 0-255, or an /etc/protocols name. */
    static Protocol protocol(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the protocol is missing");
        }
        Integer number;
        if (name.matches("[0-9]{1,3}")) {
            number = Integer.parseInt(name);
        } else if (name.equals("tcp") || name.equals("udp") || name.equals("icmp") || name.equals("all")) {
            return Protocol.parse(name);
        } else {
            number = IP_PROTOCOLS.get(name);
            if (number == null) {
                throw new IllegalArgumentException("unknown protocol '" + abbreviate(name)
                        + "' (tcp, udp, icmp, all, a number 0-255 or an /etc/protocols name)");
            }
        }
        if (number > 255) {
            throw new IllegalArgumentException("protocol number " + number + " is outside 0-255");
        }
        return number == 0 ? Protocol.ALL : Protocol.parse(Integer.toString(number));
    }

    /**
     * IANA protocol keywords as Debian's {@code /etc/protocols} (netbase) lists them, which is what iptables resolves
     * a name against. Embedded so that the agent's answer does not depend on the host's file.
     */
    private static final Map<String, Integer> IP_PROTOCOLS = Map.ofEntries(
            Map.entry("ip", 0), Map.entry("hopopt", 0), Map.entry("igmp", 2), Map.entry("ggp", 3),
            Map.entry("ipencap", 4), Map.entry("st", 5), Map.entry("egp", 8), Map.entry("igp", 9),
            Map.entry("pup", 12), Map.entry("hmp", 20), Map.entry("xns-idp", 22), Map.entry("rdp", 27),
            Map.entry("iso-tp4", 29), Map.entry("dccp", 33), Map.entry("xtp", 36), Map.entry("ddp", 37),
            Map.entry("idpr-cmtp", 38), Map.entry("ipv6", 41), Map.entry("ipv6-route", 43),
            Map.entry("ipv6-frag", 44), Map.entry("idrp", 45), Map.entry("rsvp", 46), Map.entry("gre", 47),
            Map.entry("esp", 50), Map.entry("ah", 51), Map.entry("skip", 57), Map.entry("ipv6-icmp", 58),
            Map.entry("icmpv6", 58), Map.entry("ipv6-nonxt", 59), Map.entry("ipv6-opts", 60),
            Map.entry("rspf", 73), Map.entry("vmtp", 81), Map.entry("eigrp", 88), Map.entry("ospf", 89),
            Map.entry("ax.25", 93), Map.entry("ipip", 94), Map.entry("etherip", 97), Map.entry("encap", 98),
            Map.entry("pim", 103), Map.entry("ipcomp", 108), Map.entry("vrrp", 112), Map.entry("l2tp", 115),
            Map.entry("isis", 124), Map.entry("sctp", 132), Map.entry("fc", 133), Map.entry("mobility-header", 135),
            Map.entry("udplite", 136), Map.entry("mpls-in-ip", 137), Map.entry("manet", 138), Map.entry("hip", 139),
            Map.entry("shim6", 140), Map.entry("wesp", 141), Map.entry("rohc", 142), Map.entry("ethernet", 143));

    static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
