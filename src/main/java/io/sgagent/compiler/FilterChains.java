package io.sgagent.compiler;

import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Match;
import io.sgagent.ruleset.Rule;
import java.util.ArrayList;
import java.util.List;

/**
 * The filter-table chains of one VM: ingress (B1) and egress (B2, B4), compiled from {@link VmPolicy}.
 *
 * <p>No rule matches {@code --state NEW}: an untracked packet (B5) must be judged by the same allow rules a
 * tracked one is. {@code RELATED,ESTABLISHED} comes last, just before the final DROP, so it only ever adds
 * reply traffic to what the rules allow. The final DROP carries no comment: the per-VM drop counters read it
 * as a bare {@code -j DROP}.
 *
 * <p>A VM with a conntrack quota (issue 12, {@link QuotaChains}) sends the allows that may open a connection
 * ({@link VmPolicy#countsAgainstQuota}) through its quota chains instead of accepting them directly.
 */
final class FilterChains {
    private FilterChains() {
    }

    static Chain ingress(Vm vm, Family family) {
        return ingress(vm, family, 0);
    }

    /** {@code quotaDefault}: the host's conntrack quota for VMs without their own (issue 12, 0 = none). */
    static Chain ingress(Vm vm, Family family, int quotaDefault) {
        Action counted = QuotaChains.ingressAccept(vm, family, quotaDefault);
        List<Rule> rules = new ArrayList<>();
        for (Allow allow : VmPolicy.ingress(vm, family)) {
            Action accept = VmPolicy.countsAgainstQuota(allow) ? counted : Action.ACCEPT;
            rules.add(new Rule(allow.matches(family, true), accept, allow.origin()));
        }
        rules.add(new Rule(List.of(new Match.Established()), Action.ACCEPT, "reply"));
        rules.add(Rule.always(Action.DROP));
        return new Chain(ChainNames.ingress(vm.name()), rules);
    }

    static Chain egress(Vm vm, Family family) {
        return egress(vm, family, 0);
    }

    static Chain egress(Vm vm, Family family, int quotaDefault) {
        Action pass = new Action.Goto(ChainNames.EGRESS_OK);
        // Passes that may start a new connection count against the VM's conntrack quota, if it has one.
        Action counted = QuotaChains.egressPass(vm, family, quotaDefault);
        List<Rule> rules = new ArrayList<>();
        for (Allow allow : VmPolicy.egress(vm, family)) {
            rules.add(new Rule(allow.matches(family, false), VmPolicy.countsAgainstQuota(allow) ? counted : pass,
                    allow.origin()));
        }
        if (!NotrackPolicy.egressOpen(vm, family)) {
            rules.add(new Rule(List.of(new Match.Established()), pass, "reply"));
            rules.add(Rule.always(Action.DROP));
        }
        return new Chain(ChainNames.egress(vm.name()), rules);
    }
}
