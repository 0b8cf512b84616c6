package io.sgagent.model;

import java.util.List;

/**
 * A rule in the one normalised text form that both the API's status answers and the stored state document write:
 * protocol by its normalised name, tcp/udp ports always both present (all ports = 1-65535), ICMP type and code
 * always both present with -1 for "any", other protocols with neither, canonical CIDR text. Kept here so the two
 * writers cannot drift apart (a stored rule must read back as the rule the API answered).
 */
public record NormalisedRule(String protocol, Integer portStart, Integer portEnd, Integer icmpType, Integer icmpCode,
                             List<String> cidrs) {
    public NormalisedRule {
        cidrs = List.copyOf(cidrs);
    }

    public static NormalisedRule of(SgRule rule) {
        Integer portStart = rule.ports() == null ? null : rule.ports().start();
        Integer portEnd = rule.ports() == null ? null : rule.ports().end();
        Integer icmpType = null;
        Integer icmpCode = null;
        if (rule.icmp() != null) {
            icmpType = rule.icmp().type() == null ? -1 : rule.icmp().type();
            icmpCode = rule.icmp().code() == null ? -1 : rule.icmp().code();
        }
        return new NormalisedRule(rule.protocol().name(), portStart, portEnd, icmpType, icmpCode,
                rule.cidrs().stream().map(Cidr::toString).toList());
    }
}
