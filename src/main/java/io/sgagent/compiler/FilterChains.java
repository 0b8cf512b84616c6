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
 */
final class FilterChains {
    private FilterChains() {
    }

    static Chain ingress(Vm vm, Family family) {
        List<Rule> rules = new ArrayList<>();
        for (Allow allow : VmPolicy.ingress(vm, family)) {
            rules.add(new Rule(allow.matches(family, true), Action.ACCEPT, allow.origin()));
        }
        rules.add(new Rule(List.of(new Match.Established()), Action.ACCEPT, "reply"));
        rules.add(Rule.always(Action.DROP));
        return new Chain(ChainNames.ingress(vm.name()), rules);
    }

    static Chain egress(Vm vm, Family family) {
        Action pass = new Action.Goto(ChainNames.EGRESS_OK);
        List<Rule> rules = new ArrayList<>();
        for (Allow allow : VmPolicy.egress(vm, family)) {
            rules.add(new Rule(allow.matches(family, false), pass, allow.origin()));
        }
        if (!NotrackPolicy.egressOpen(vm, family)) {
            rules.add(new Rule(List.of(new Match.Established()), pass, "reply"));
            rules.add(Rule.always(Action.DROP));
        }
        return new Chain(ChainNames.egress(vm.name()), rules);
    }
}
