package io.sgagent.compiler;

import io.sgagent.model.Family;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;

/**
 * Decides, per family, whether a VM may bypass connection tracking (B5).
 *
 * <p>Only a VM whose rules allow everything in <em>both</em> directions gains nothing from conntrack: ingress
 * must hold an {@code all}-protocol rule from {@code 0.0.0.0/0} (resp. {@code ::/0}), and egress of that
 * family must be open (no egress rule of the family, or an {@code all} rule to {@code 0.0.0.0/0}). A one-way
 * allow-all is not enough: the restricted direction needs conntrack to recognise replies (CloudStack
 * #14099 broke exactly this).
 */
public final class NotrackPolicy {
    private NotrackPolicy() {
    }

    public static boolean untracked(Vm vm, Family family) {
        return ingressAllowsAll(vm, family) && egressOpen(vm, family);
    }

    static boolean ingressAllowsAll(Vm vm, Family family) {
        return vm.ingress().stream().anyMatch(rule -> rule.isAllowAll(family));
    }

    /** B2: no egress rule of the family means the family's egress is open. */
    public static boolean egressOpen(Vm vm, Family family) {
        return vm.egress().stream().noneMatch(rule -> rule.hasFamily(family))
                || vm.egress().stream().anyMatch((SgRule rule) -> rule.isAllowAll(family));
    }
}
