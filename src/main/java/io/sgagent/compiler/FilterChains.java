package io.sgagent.compiler;

import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Rule;
import java.util.ArrayList;
import java.util.List;

/**
 * The filter-table chains of one VM: ingress (B1) and egress (B2, B4).
 *
 * <p>No rule matches {@code --state NEW}: an untracked packet (B5) must be judged by the same allow rules a
 * tracked one is. {@code RELATED,ESTABLISHED} comes last, just before the final DROP, so it only ever adds
 * reply traffic to what the rules allow.
 */
final class FilterChains {
    private FilterChains() {
    }

    static Chain ingress(Vm vm, Family family) {
        return ingress(vm, family, 0);
    }

    /** {@code quotaDefault}: the host's conntrack quota for VMs without their own (issue 12, 0 = none). */
    static Chain ingress(Vm vm, Family family, int quotaDefault) {
        Action accept = QuotaChains.ingressAccept(vm, family, quotaDefault);
        List<Rule> rules = new ArrayList<>();
        if (family == Family.IPV4) {
            rules.add(Rule.of(Matches.udp(67, 68), Action.ACCEPT));
        } else {
            rules.add(Rule.of(Matches.udp(547, 546), Action.ACCEPT));
            // Router advertisements only from a link-local router and never forwarded by one (hop limit 255).
            rules.add(Rule.of("-s fe80::/64 " + Matches.icmp6(134) + " -m hl --hl-eq 255", Action.ACCEPT));
            rules.add(Rule.of(Matches.icmp6(135), Action.ACCEPT));
            rules.add(Rule.of(Matches.icmp6(136), Action.ACCEPT));
        }
        for (SgRule sgRule : vm.ingress()) {
            for (Cidr cidr : sgRule.cidrs(family)) {
                rules.add(Rule.of(Matches.sgRule(sgRule, cidr, "-s"), accept));
            }
        }
        rules.add(Rule.of(Matches.established(), Action.ACCEPT));
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
        if (family == Family.IPV4) {
            rules.add(Rule.of(Matches.udp(68, 67), pass));
        } else {
            rules.add(Rule.of(Matches.udp(546, 547), pass));
        }
        rules.add(Rule.of(Matches.udp(0, 53), counted));
        rules.add(Rule.of(Matches.tcpDport(53), counted));
        if (family == Family.IPV6) {
            // Router solicitation, neighbour discovery and MLD (query, v1 report/done, v2 report).
            for (int type : new int[] {133, 135, 136, 130, 131, 132, 143}) {
                rules.add(Rule.of(Matches.icmp6(type), pass));
            }
        }
        if (NotrackPolicy.egressOpen(vm, family)) {
            rules.add(Rule.always(counted));
        } else {
            for (SgRule sgRule : vm.egress()) {
                for (Cidr cidr : sgRule.cidrs(family)) {
                    rules.add(Rule.of(Matches.sgRule(sgRule, cidr, "-d"), counted));
                }
            }
            rules.add(Rule.of(Matches.established(), pass));
            rules.add(Rule.always(Action.DROP));
        }
        return new Chain(ChainNames.egress(vm.name()), rules);
    }
}
