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
import java.util.HashMap;
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
 * cheap at any table size; a full sync narrowing many VMs lists the table once for all of them) and deletes each cut
 * flow by tuple and mark; removed addresses and deleted VMs are flushed by address, which also catches flows the
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
            cutFlowsOfCurrentVersions(narrowed);
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
     * {@link #cutFlowsOfCurrentVersion} for the VMs a full sync may have narrowed. Up to {@link #LISTINGS_PER_VM_UP_TO}
     * VMs each lists its own flows (two kernel-filtered listings per VM); more share one listing of the whole table,
     * filtered here by their marks: a sync narrowing 1000 VMs ran 2000 listings, 37 s at an empty table.
     */
    private void cutFlowsOfCurrentVersions(List<String> names) {
        if (names.size() <= LISTINGS_PER_VM_UP_TO) {
            names.forEach(this::cutFlowsOfCurrentVersion);
            return;
        }
        Snapshot now = programmed.get();
        Map<ConnMarks.Filter, List<Vm>> byFilter = new HashMap<>();
        Map<String, Set<Family>> judgedOf = new HashMap<>();
        boolean anyUntracked = false;
        for (String name : names) {
            Vm vm = now.host().vms().get(name);
            Set<Family> judged = vm == null ? Set.of() : judgedFamilies(vm);
            if (!judged.isEmpty()) {
                judgedOf.put(name, judged);
                for (ConnMarks.Filter filter : marks.filtersOf(name)) {
                    byFilter.computeIfAbsent(filter, f -> new ArrayList<>()).add(vm);
                }
                anyUntracked |= untrackedSomewhere(vm);
            }
        }
        if (byFilter.isEmpty()) {
            return;
        }
        Set<String> stillTrackedPeers = anyUntracked ? trackedPeers() : Set.of();
        Set<Long> fields = Set.of(marks.ingressField(), marks.egressField());
        Map<ConntrackClient.Mark, Set<ConntrackEntry>> cut = new LinkedHashMap<>();
        Set<ConntrackEntry> doomed = new HashSet<>();
        for (ConntrackClient.MarkedEntry listed : conntrack.entriesWithMarkIn(marks.mask())) {
            for (long field : fields) {
                ConnMarks.Filter filter = new ConnMarks.Filter(listed.mark() & field, field);
                for (Vm vm : byFilter.getOrDefault(filter, List.of())) {
                    // A flow between two narrowed VMs carries both slots: it is deleted once.
                    if (!doomed.contains(listed.entry())
                            && noLongerAllowed(vm, judgedOf.get(vm.name()), listed.entry(), stillTrackedPeers)) {
                        doomed.add(listed.entry());
                        cut.computeIfAbsent(new ConntrackClient.Mark(filter.value(), filter.mask()),
                                m -> new LinkedHashSet<>()).add(listed.entry());
                    }
                }
            }
        }
        deleteCut(cut, names.size() + " VMs");
    }

    /** Up to this many narrowed VMs, each lists its own flows by mark; more share one listing of the table. */
    static final int LISTINGS_PER_VM_UP_TO = 4;

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
        Set<Family> judged = judgedFamilies(vm);
        if (judged.isEmpty()) {
            return;
        }
        // One listing per mark field (ingress, egress), both families each, side by side. A VM-to-VM flow of this
        // host can carry this VM's slot in both fields: it is deleted once, under the first filter that listed it.
        List<ConnMarks.Filter> filters = marks.filtersOf(vm.name());
        List<ToolCalls.Call<List<ConntrackEntry>>> listings = new ArrayList<>();
        for (ConnMarks.Filter filter : filters) {
            listings.add(() -> conntrack.entriesMarked(filter.value(), filter.mask()));
        }
        List<ToolCalls.Outcome<List<ConntrackEntry>>> outcomes = ToolCalls.all(listings);
        Set<String> stillTrackedPeers = untrackedSomewhere(vm) ? trackedPeers() : Set.of();
        Set<ConntrackEntry> seen = new HashSet<>();
        Map<ConntrackClient.Mark, Set<ConntrackEntry>> cut = new LinkedHashMap<>();
        for (int i = 0; i < outcomes.size(); i++) {
            ConnMarks.Filter filter = filters.get(i);
            for (ConntrackEntry entry : outcomes.get(i).value()) {
                if (seen.add(entry) && noLongerAllowed(vm, judged, entry, stillTrackedPeers)) {
                    cut.computeIfAbsent(new ConntrackClient.Mark(filter.value(), filter.mask()),
                            m -> new LinkedHashSet<>()).add(entry);
                }
            }
        }
        deleteCut(cut, "VM " + vm.name());
    }

    /** The families in which the VM has addresses whose flows are judged. */
    private static Set<Family> judgedFamilies(Vm vm) {
        // Not ownAddresses(): the MAC-derived link-local address alone carries NDP only, which is never tracked.
        Set<Family> judged = EnumSet.noneOf(Family.class);
        for (Family family : Family.values()) {
            if (vm.nics().stream().anyMatch(nic -> !nic.addresses(family).isEmpty())) {
                judged.add(family);
            }
        }
        return judged;
    }

    private static boolean untrackedSomewhere(Vm vm) {
        return NotrackPolicy.untracked(vm, Family.IPV4) || NotrackPolicy.untracked(vm, Family.IPV6);
    }

    /** An entry of one of the VM's addresses that its rules no longer allow, or that went stale (untracked). */
    private static boolean noLongerAllowed(Vm vm, Set<Family> judged, ConntrackEntry entry, Set<String> trackedPeers) {
        Family family = entry.source().contains(":") ? Family.IPV6 : Family.IPV4;
        return judged.contains(family) && FlowPolicy.involves(vm, entry) && (!FlowPolicy.stillAllowed(vm, entry)
                || FlowPolicy.staleUntracked(vm, entry, trackedPeers));
    }

    /** Each entry by its tuple and the mark it was listed by, so the kernel filters the tool's dump (§8). */
    private void deleteCut(Map<ConntrackClient.Mark, Set<ConntrackEntry>> cut, String whose) {
        int count = cut.values().stream().mapToInt(Set::size).sum();
        if (count > 0) {
            conntrack.deleteMarked(cut);
            log.info("deleted {} conntrack entries of {} that the new rules no longer allow or that no longer "
                    + "see their packets", count, whose);
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
