package io.sgagent.ruleset;

import java.util.List;

/**
 * The complete kernel state the agent wants on this host: one ruleset per IP family, the bridge (ebtables)
 * rules, and the sets the rules reference. Plain data; the compiler builds it, netfilter writes it.
 *
 * @param prefix the name prefix of every chain and set we own; anything else in the kernel is not ours
 */
public record Ruleset(String prefix, FamilyRuleset ipv4, FamilyRuleset ipv6, FamilyRuleset bridge, List<IpSet> sets) {
    public Ruleset {
        sets = List.copyOf(sets);
    }

    public List<FamilyRuleset> families() {
        return List.of(ipv4, ipv6, bridge);
    }
}
