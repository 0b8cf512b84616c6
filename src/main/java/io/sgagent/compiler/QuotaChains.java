package io.sgagent.compiler;

import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Match;
import io.sgagent.ruleset.Rule;
import java.util.List;

/**
 * Per-VM conntrack quotas (issue 12): the filter chains that keep one tracked VM from filling the host's
 * conntrack table. See docs/ruleset.md, "Conntrack quota".
 *
 * <p>One counter per VM and family: the single {@code connlimit} rule in {@code sga-q-<vm>}. xt_connlimit keeps
 * one list of connections per rule instance, and with {@code --connlimit-mask 0} every packet falls into the
 * same bucket, so the rule counts every tracked connection whose packets it has seen, whichever path called
 * it. Both of the VM's paths call it for packets about to be accepted: ingress allows go to
 * {@code sga-a-<vm>} (count, then ACCEPT) and egress passes go to {@code sga-o-<vm>} (count, then
 * {@code sga-EGRESS-OK}). A connection in which the VM is either end is therefore counted once.
 *
 * <p>{@code --ctstate NEW} limits the rule to packets that would create a conntrack entry. It is not an allow
 * (B5 forbids {@code NEW} in allows): it only ever refuses, and an untracked packet (state UNTRACKED) never
 * matches it, so notrack traffic is never counted or refused. Established flows are never cut, even after the
 * limit is lowered below the current count. Infrastructure traffic (DHCP, NDP, MLD) is not counted; DNS is,
 * since a VM can open DNS flows to any address ({@link VmPolicy#countsAgainstQuota}).
 *
 * <p>Every rule carries an origin comment: {@code <vm> conntrack-quota} in the VM's chains,
 * {@code conntrack-quota-full} in the host-wide refusal chain.
 */
final class QuotaChains {
    /** Origin of the rules of the host-wide refusal chain. */
    static final String FULL_ORIGIN = "conntrack-quota-full";

    private QuotaChains() {
    }

    /** The quota that applies to the VM: its own, else the host default; 0 means none. */
    static int limit(Vm vm, int hostDefault) {
        return vm.conntrackLimit() != null ? vm.conntrackLimit() : hostDefault;
    }

    /** True if the VM gets quota chains in this family: it has a quota and is tracked there. */
    static boolean applies(Vm vm, Family family, int hostDefault) {
        return limit(vm, hostDefault) > 0 && !NotrackPolicy.untracked(vm, family);
    }

    /** Where the VM's counted ingress allows send a packet: ACCEPT, or through its quota when it has one. */
    static Action ingressAccept(Vm vm, Family family, int hostDefault) {
        return applies(vm, family, hostDefault) ? new Action.Goto(ChainNames.quotaAccept(vm.name())) : Action.ACCEPT;
    }

    /** Where the VM's counted egress allows send a packet: sga-EGRESS-OK, or through its quota when it has one. */
    static Action egressPass(Vm vm, Family family, int hostDefault) {
        return applies(vm, family, hostDefault) ? new Action.Goto(ChainNames.quotaOut(vm.name()))
                : new Action.Goto(ChainNames.EGRESS_OK);
    }

    /** The VM's three quota chains for this family; call only when {@link #applies}. */
    static List<Chain> chains(Vm vm, Family family, int hostDefault) {
        String origin = vm.name() + " conntrack-quota";
        String counter = ChainNames.quota(vm.name());
        Chain count = new Chain(counter, List.of(new Rule(
                List.of(new Match.NewConnection(), new Match.ConnLimitAbove(limit(vm, hostDefault), 0, true)),
                new Action.Jump(ChainNames.QUOTA_FULL), origin)));
        Chain accept = new Chain(ChainNames.quotaAccept(vm.name()),
                List.of(Rule.always(new Action.Jump(counter)).from(origin), Rule.always(Action.ACCEPT).from(origin)));
        Chain out = new Chain(ChainNames.quotaOut(vm.name()), List.of(Rule.always(new Action.Jump(counter)).from(origin),
                Rule.always(new Action.Goto(ChainNames.EGRESS_OK)).from(origin)));
        return List.of(count, accept, out);
    }

    /**
     * Host-wide: what happens to a connection refused by any VM's quota. A sender that is a VM of this host is
     * anti-spoofed (B3), so a reset / ICMP error reaches the real sender and its connect() fails at once
     * instead of retrying for seconds. Anything else is dropped: refusals are most likely during a flood from
     * outside, whose sources may be forged, and answering would reflect the flood onto them.
     */
    static Chain full(Family family) {
        String unreachable = family == Family.IPV4 ? "icmp-admin-prohibited" : "icmp6-adm-prohibited";
        Action reset = new Action.Verdict("REJECT --reject-with tcp-reset");
        Action prohibited = new Action.Verdict("REJECT --reject-with " + unreachable);
        Match tracked = new Match.InSet(ChainNames.trackedSet(family), true);
        Match untracked = new Match.InSet(ChainNames.notrackSet(family), true);
        return new Chain(ChainNames.QUOTA_FULL, List.of(
                new Rule(List.of(Match.Protocol.TCP, tracked), reset, FULL_ORIGIN),
                new Rule(List.of(tracked), prohibited, FULL_ORIGIN),
                new Rule(List.of(Match.Protocol.TCP, untracked), reset, FULL_ORIGIN),
                new Rule(List.of(untracked), prohibited, FULL_ORIGIN),
                Rule.always(Action.DROP).from(FULL_ORIGIN)));
    }
}
