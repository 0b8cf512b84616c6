package io.sgagent.compiler;

import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.ConntrackEntry;

/**
 * Would a VM's current rules still allow an existing flow? Used to delete the conntrack entries of flows
 * that a narrowing change no longer allows (B6), so they stop now instead of living out their timeout.
 * Judges by the same {@link VmPolicy} that {@link FilterChains} compiles: a flow the VM accepted (orig
 * destination is the VM) by its ingress allows, a flow it started (orig source is the VM) by its egress allows,
 * infrastructure (DHCP, DNS) included. The flow is judged as if new: being a reply does not count.
 */
public final class FlowPolicy {
    private FlowPolicy() {
    }

    /** True if one end of the flow's original tuple is one of the VM's own addresses. */
    public static boolean involves(Vm vm, ConntrackEntry flow) {
        Family family = flow.ipv6() ? Family.IPV6 : Family.IPV4;
        return owns(vm, flow.source(), family) || owns(vm, flow.destination(), family);
    }

    /** True if the flow does not involve the VM or its rules still allow it. */
    public static boolean stillAllowed(Vm vm, ConntrackEntry flow) {
        Family family = flow.ipv6() ? Family.IPV6 : Family.IPV4;
        boolean toVm = owns(vm, flow.destination(), family);
        boolean fromVm = owns(vm, flow.source(), family);
        if (toVm && !ingressAllows(vm, family, flow)) {
            return false;
        }
        return !fromVm || egressAllows(vm, family, flow);
    }

    /**
     * An entry of a VM that is now untracked in the flow's family, with a peer whose traffic with it no longer
     * passes conntrack: the entry would only go stale (and break the flow with INVALID packets if the VM is
     * tracked again later) while occupying the table for days. Flows with {@code trackedPeers} (tracked VMs of
     * this host, the hypervisor) keep their entries.
     */
    public static boolean staleUntracked(Vm vm, ConntrackEntry flow, java.util.Set<String> trackedPeers) {
        Family family = flow.ipv6() ? Family.IPV6 : Family.IPV4;
        // Another VM's entry (listed because it shares a connmark slot) is never this VM's to judge.
        if (!NotrackPolicy.untracked(vm, family) || !involves(vm, flow)) {
            return false;
        }
        String peer = owns(vm, flow.source(), family) ? flow.destination() : flow.source();
        return !trackedPeers.contains(canonical(peer));
    }

    /**
     * Could going from {@code before} to {@code after} make an existing flow of the VM disallowed or stale?
     * False only when nothing was taken away: every earlier ingress rule is still there, egress is at least as
     * open, and no family became untracked. Purely additive changes then skip listing conntrack entirely.
     */
    public static boolean mayNarrow(Vm before, Vm after) {
        if (!after.ingress().containsAll(before.ingress())) {
            return true;
        }
        for (Family family : Family.values()) {
            if (NotrackPolicy.untracked(after, family) && !NotrackPolicy.untracked(before, family)) {
                return true;
            }
            boolean wasOpen = NotrackPolicy.egressOpen(before, family);
            boolean isOpen = NotrackPolicy.egressOpen(after, family);
            if (wasOpen && !isOpen) {
                return true;
            }
            if (!wasOpen && !isOpen && !after.egress().containsAll(before.egress())) {
                return true;
            }
        }
        return false;
    }

    private static boolean ingressAllows(Vm vm, Family family, ConntrackEntry flow) {
        return VmPolicy.ingress(vm, family).stream().anyMatch(allow -> allow.admits(family, flow.source(), flow));
    }

    private static boolean egressAllows(Vm vm, Family family, ConntrackEntry flow) {
        return VmPolicy.egress(vm, family).stream()
                .anyMatch(allow -> allow.admits(family, flow.destination(), flow));
    }

    private static boolean owns(Vm vm, String address, Family family) {
        return vm.ownAddresses(family).stream().anyMatch(a -> a.toCanonicalString().equals(canonical(address)));
    }

    private static String canonical(String address) {
        try {
            return new inet.ipaddr.IPAddressString(address).toAddress().toCanonicalString();
        } catch (inet.ipaddr.AddressStringException e) {
            return address;
        }
    }
}
