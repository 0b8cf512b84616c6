package io.sgagent.compiler;

import inet.ipaddr.IPAddress;
import io.sgagent.model.Addresses;
import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.ConntrackEntry;

/**
 * Would a VM's current rules still allow an existing flow? Used to delete the conntrack entries of flows
 * that a narrowing change no longer allows (B6), so they stop now instead of living out their timeout.
 * Mirrors what {@link FilterChains} compiles: a flow the VM accepted (orig destination is the VM) is judged by
 * its ingress rules, a flow it started (orig source is the VM) by its egress rules; always-allowed
 * infrastructure (DHCP, DNS) is never cut.
 */
public final class FlowPolicy {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMP = 1;
    private static final int ICMPV6 = 58;

    private FlowPolicy() {
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
        if (!NotrackPolicy.untracked(vm, family)) {
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
        if (flow.protocol() == UDP && flow.destinationPort() == (family == Family.IPV4 ? 68 : 546)) {
            return true;
        }
        return vm.ingress().stream().anyMatch(rule -> matches(rule, family, flow.source(), flow));
    }

    private static boolean egressAllows(Vm vm, Family family, ConntrackEntry flow) {
        if (NotrackPolicy.egressOpen(vm, family)) {
            return true;
        }
        if ((flow.protocol() == UDP || flow.protocol() == TCP) && flow.destinationPort() == 53) {
            return true;
        }
        if (flow.protocol() == UDP && flow.destinationPort() == (family == Family.IPV4 ? 67 : 547)) {
            return true;
        }
        return vm.egress().stream().anyMatch(rule -> matches(rule, family, flow.destination(), flow));
    }

    private static boolean matches(SgRule rule, Family family, String peer, ConntrackEntry flow) {
        IPAddress address;
        try {
            address = Addresses.host(peer, family);
        } catch (IllegalArgumentException e) {
            return true; // not an address we can judge (e.g. multicast): leave the flow alone
        }
        boolean peerMatches = rule.cidrs(family).stream().anyMatch((Cidr cidr) -> cidr.contains(address));
        if (!peerMatches) {
            return false;
        }
        if (rule.protocol().isAll()) {
            return true;
        }
        if (rule.protocol().hasPorts()) {
            return flow.protocol() == rule.protocol().number() && rule.ports().contains(flow.destinationPort());
        }
        if (rule.protocol().isIcmp()) {
            int icmp = family == Family.IPV4 ? ICMP : ICMPV6;
            IcmpMatch match = rule.icmp();
            return flow.protocol() == icmp && (match.isAny() || (match.type() == flow.icmpType()
                    && (match.code() == null || match.code() == flow.icmpCode())));
        }
        return flow.protocol() == rule.protocol().number();
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
