package io.sgagent.reconcile;

import inet.ipaddr.IPAddress;
import io.sgagent.compiler.ConnMarks;
import io.sgagent.compiler.FlowPolicy;
import io.sgagent.compiler.NotrackPolicy;
import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelReader;
import io.sgagent.netfilter.ToolCalls;
import io.sgagent.ruleset.ConntrackEntry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the flows a change no longer allows (B6) and every flow of a deleted VM or of an address a VM gave up
 * (B7), so they stop within seconds instead of living out a 5-day TCP timeout as ESTABLISHED.
 *
 * <p>The reconciler asks for the cleanup of a change ({@link #afterPut}, {@link #afterDelete}) while it holds the
 * write lock and gets back the work to run once the lock is released; the caller runs it before answering, so
 * the flows are gone when the request returns. A narrowing change lists the VM's flows by connmark (kernel-filtered,
 * cheap at any table size); removed addresses and deleted VMs are flushed by address, which also catches flows the
 * agent never marked (e.g. created before an upgrade) and flows to the hypervisor itself, which pass no VM chain.
 *
 * <p>Thread-safe: holds no mutable state; it reads the published snapshot, never a state being written.
 */
class ConntrackCleanup {
    private static final Logger log = LoggerFactory.getLogger(ConntrackCleanup.class);
    private final ConntrackClient conntrack;
    private final KernelReader kernel;
    private final Supplier<Snapshot> programmed;
    private final ConnMarks marks;

    ConntrackCleanup(ConntrackClient conntrack, KernelReader kernel, Supplier<Snapshot> programmed, ConnMarks marks) {
        this.conntrack = conntrack;
        this.kernel = kernel;
        this.programmed = programmed;
        this.marks = marks;
    }

    /** The work after {@code previous} (null: a new VM) became {@code next}; null when there is none. */
    Runnable afterPut(Vm previous, Vm next) {
        if (previous == null) {
            return null;
        }
        boolean mayNarrow = FlowPolicy.mayNarrow(previous, next);
        Set<String> removed = removedAddresses(previous, next);
        return () -> {
            conntrack.flush(removed);
            if (mayNarrow) {
                cutFlowsOfCurrentVersion(next.name());
            }
        };
    }

    /**
     * The work after a full-host sync took the host from {@code before} to {@code after}, as one piece: the flows
     * of every removed VM and every address given up are flushed in one batch (one process for a thousand VMs),
     * then each VM whose rules may have narrowed is judged. Null when there is nothing to do.
     */
    Runnable afterSync(Map<String, Vm> before, Map<String, Vm> after) {
        Set<String> removed = new LinkedHashSet<>();
        List<String> narrowed = new ArrayList<>();
        for (Vm previous : before.values()) {
            Vm next = after.get(previous.name());
            if (next == null) {
                removed.addAll(addresses(previous));
            } else if (!next.equals(previous)) {
                removed.addAll(removedAddresses(previous, next));
                if (FlowPolicy.mayNarrow(previous, next)) {
                    narrowed.add(next.name());
                }
            }
        }
        if (removed.isEmpty() && narrowed.isEmpty()) {
            return null;
        }
        return () -> {
            conntrack.flush(removed);
            narrowed.forEach(this::cutFlowsOfCurrentVersion);
        };
    }

    /** B7: a new VM reusing these addresses must not inherit this VM's flows. */
    Runnable afterDelete(Vm previous) {
        Set<String> addresses = addresses(previous);
        return () -> conntrack.flush(addresses);
    }

    /**
     * Judges the VM's flows by the version programmed now, not by the write that asked for the cleanup: a
     * cleanup racing with a newer write must not delete flows the newer rules allow.
     */
    private void cutFlowsOfCurrentVersion(String name) {
        Vm current = programmed.get().host().vms().get(name);
        if (current != null) {
            cutFlowsNoLongerAllowed(current);
        }
    }

    /**
     * Deletes the conntrack entries of this VM's flows that its rules no longer allow, or that an untracked VM
     * no longer sees tracked. Only this VM's entries are listed: by its connmark slot in the ingress and the egress
     * field (docs/ruleset.md, "Connection marks"), filtered by the kernel, so the cost follows the VM's flows and
     * not the size of the table. Another VM may share the slot; its entries are listed too but left alone, because
     * only entries with one of this VM's addresses at either end are judged.
     *
     * <p>A flow is marked by the first packet each chain sees after the marking rule exists; a flow that stayed
     * idle since the agent was upgraded to marks is not listed (docs/ruleset.md).
     */
    void cutFlowsNoLongerAllowed(Vm vm) {
        // Not ownAddresses(): the MAC-derived link-local address alone carries NDP only, which is never tracked.
        Set<Family> judged = EnumSet.noneOf(Family.class);
        for (Family family : Family.values()) {
            if (vm.nics().stream().anyMatch(nic -> !nic.addresses(family).isEmpty())) {
                judged.add(family);
            }
        }
        if (judged.isEmpty()) {
            return;
        }
        // One listing per mark field (ingress, egress), both families each, side by side. A VM-to-VM flow of this
        // host can carry this VM's slot in both fields: list each entry once, under the first filter that found it.
        List<ConnMarks.Filter> filters = marks.filtersOf(vm.name());
        List<ToolCalls.Call<List<ConntrackEntry>>> listings = new ArrayList<>();
        for (ConnMarks.Filter filter : filters) {
            listings.add(() -> conntrack.entriesMarked(filter.value(), filter.mask()));
        }
        Map<ConntrackEntry, ConnMarks.Filter> listed = new LinkedHashMap<>();
        List<ToolCalls.Outcome<List<ConntrackEntry>>> outcomes = ToolCalls.all(listings);
        for (int i = 0; i < outcomes.size(); i++) {
            for (ConntrackEntry entry : outcomes.get(i).value()) {
                listed.putIfAbsent(entry, filters.get(i));
            }
        }
        Set<String> stillTrackedPeers = NotrackPolicy.untracked(vm, Family.IPV4)
                || NotrackPolicy.untracked(vm, Family.IPV6) ? trackedPeers() : Set.of();
        Map<ConnMarks.Filter, List<ConntrackEntry>> cut = new LinkedHashMap<>();
        int count = 0;
        for (Map.Entry<ConntrackEntry, ConnMarks.Filter> found : listed.entrySet()) {
            ConntrackEntry entry = found.getKey();
            Family family = entry.source().contains(":") ? Family.IPV6 : Family.IPV4;
            if (judged.contains(family) && FlowPolicy.involves(vm, entry) && (!FlowPolicy.stillAllowed(vm, entry)
                    || FlowPolicy.staleUntracked(vm, entry, stillTrackedPeers))) {
                cut.computeIfAbsent(found.getValue(), f -> new ArrayList<>()).add(entry);
                count++;
            }
        }
        // Each delete names the mark it was listed by, so the kernel filters the tool's dump (docs/ruleset.md §8).
        cut.forEach((filter, entries) -> conntrack.deleteMarked(entries, filter.value(), filter.mask()));
        if (count > 0) {
            log.info("deleted {} conntrack entries of VM {} that its new rules no longer allow or that no longer "
                    + "see its packets", count, vm.name());
        }
    }

    /**
     * Peers whose flows with an untracked VM stay tracked (B5): the tracked VMs of this host and the
     * hypervisor's own addresses.
     */
    private Set<String> trackedPeers() {
        Set<String> peers = new HashSet<>(kernel.localAddresses());
        for (Vm other : programmed.get().host().vms().values()) {
            for (Family family : Family.values()) {
                if (!NotrackPolicy.untracked(other, family)) {
                    other.ownAddresses(family).forEach(a -> peers.add(a.toCanonicalString()));
                }
            }
        }
        return peers;
    }

    static Set<String> addresses(Vm vm) {
        Set<String> all = new LinkedHashSet<>();
        for (Family family : Family.values()) {
            for (IPAddress address : vm.ownAddresses(family)) {
                all.add(address.toCanonicalString());
            }
        }
        return all;
    }

    private static Set<String> removedAddresses(Vm previous, Vm next) {
        Set<String> removed = new LinkedHashSet<>(addresses(previous));
        removed.removeAll(addresses(next));
        return removed;
    }
}
