package io.sgagent.reconcile;

import inet.ipaddr.IPAddress;
import io.sgagent.compiler.ChainNames;
import io.sgagent.compiler.FlowPolicy;
import io.sgagent.ruleset.ConntrackEntry;
import io.sgagent.compiler.NotrackPolicy;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.compiler.VmRulesetView;
import io.sgagent.model.Family;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelApplyException;
import io.sgagent.netfilter.NetfilterExecutor;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.state.DesiredStateStore;
import io.sgagent.state.DesiredStateStore.StateStoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer: every change of desired state goes through here, is compiled for the whole host and
 * written to the kernel in one transaction per family.
 *
 * <p>Threading: writes are serialised by {@code writeLock} (flat combining, see {@link #submit}); reads use the immutable {@link Snapshot} published
 * through a volatile field after each successful write, so GETs and metrics never wait for an apply.
 *
 * <p>Order of a write: check seq (B10) → compile → store → kernel. If the kernel refuses, the stored state is
 * put back, so neither advances (B9). If the agent dies between store and kernel, the next start programs
 * the stored (acknowledged-or-newer) state.
 */
public class HostReconciler implements SecurityGroupService {
    private static final Logger log = LoggerFactory.getLogger(HostReconciler.class);

    private final RulesetCompiler compiler;
    private final NetfilterExecutor executor;
    private final ConntrackClient conntrack;
    private final DesiredStateStore store;
    private final Clock clock;
    private volatile ApplyObserver observer = ApplyObserver.NONE;
    private final java.util.concurrent.locks.ReentrantLock writeLock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.ConcurrentLinkedQueue<PendingWrite> pending =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile Snapshot snapshot;
    private volatile boolean lastApplySucceeded;

    /** Everything reads need, replaced as a whole after each successful write. */
    record Snapshot(HostState host, Map<String, VmStatus> statuses, Ruleset ruleset) {
    }

    public HostReconciler(RulesetCompiler compiler, NetfilterExecutor executor, ConntrackClient conntrack,
                          DesiredStateStore store, Clock clock) {
        this.compiler = compiler;
        this.executor = executor;
        this.conntrack = conntrack;
        this.store = store;
        this.clock = clock;
        // The stored state is known from the first moment, so a GET or a seq check that arrives before the
        // kernel is programmed (start) already sees it; only appliedAt waits for start.
        HostState stored = new HostState(new TreeMap<>(store.load()));
        this.snapshot = new Snapshot(stored, statuses(stored, null), compiler.compile(stored));
    }

    private Map<String, VmStatus> statuses(HostState host, Instant appliedAt) {
        Map<String, VmStatus> statuses = new HashMap<>();
        for (Vm vm : host.vms().values()) {
            statuses.put(vm.name(), status(vm, appliedAt));
        }
        return statuses;
    }

    /**
     * Startup adoption: program the stored state (an empty store still installs the base chains and hooks,
     * and removes chains of ours that no VM needs any more), unless the kernel already holds exactly that.
     */
    public void start() throws KernelApplyException {
        writeLock.lock();
        try {
            Snapshot current = snapshot; // the stored state, or newer if a write got in first
            HostState host = current.host();
            Ruleset ruleset = current.ruleset();
            // A restarted agent on an unchanged kernel writes nothing: no rule is rewritten, no counter reset.
            List<String> drifted = executor.drift(ruleset);
            if (drifted.isEmpty()) {
                executor.adopt(ruleset);
                lastApplySucceeded = true;
                log.info("kernel already holds the stored state of {} VMs; nothing written", host.vms().size());
            } else {
                log.info("programming the stored state ({} objects differ)", drifted.size());
                apply(ruleset);
            }
            Instant now = clock.instant();
            Map<String, VmStatus> statuses = new HashMap<>(current.statuses());
            statuses.replaceAll((name, status) -> status.appliedAt() == null ? status(status.vm(), now) : status);
            publish(new Snapshot(host, statuses, ruleset));
            log.info("programmed {} stored VMs", host.vms().size());
        } finally {
            writeLock.unlock();
        }
    }

    /** Makes a new state visible to readers, then tells the observer the set of VMs may have changed. */
    private void publish(Snapshot next) {
        snapshot = next;
        observer.vmsChanged();
    }

    public void observe(ApplyObserver applyObserver) {
        this.observer = applyObserver;
    }

    private void applyFull(Ruleset ruleset) throws KernelApplyException {
        timed(ruleset, true);
    }

    private void apply(Ruleset ruleset) throws KernelApplyException {
        timed(ruleset, false);
    }

    /** Writes the ruleset and tells the observer how long it took and whether the kernel took it. */
    private void timed(Ruleset ruleset, boolean full) throws KernelApplyException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            if (full) {
                executor.applyFull(ruleset);
            } else {
                executor.apply(ruleset);
            }
            ok = true;
        } finally {
            lastApplySucceeded = ok;
            observer.applied(java.time.Duration.ofNanos(System.nanoTime() - start), ok);
        }
    }

    /**
     * Drift repair: if the kernel no longer holds exactly what was last programmed (someone flushed a chain,
     * deleted our hook, emptied a set, turned bridge-nf off), program it again. Cheap when nothing drifted:
     * one read per tool, no write. Returns what was repaired.
     */
    public List<String> repairDrift() {
        writeLock.lock();
        try {
            Snapshot current = snapshot;
            List<String> drifted;
            try {
                drifted = executor.drift(current.ruleset());
            } catch (KernelApplyException e) {
                log.warn("drift check could not read the kernel: {}", e.getMessage());
                return List.of();
            }
            if (drifted.isEmpty()) {
                return drifted;
            }
            log.warn("kernel drifted from the desired state, repairing: {}", drifted);
            try {
                applyFull(current.ruleset());
                for (String object : drifted) {
                    observer.driftRepaired(object.substring(0, object.indexOf(' ')));
                }
            } catch (KernelApplyException e) {
                log.error("drift repair failed: {}", e.getMessage());
            }
            return drifted;
        } finally {
            writeLock.unlock();
        }
    }

    public boolean lastApplySucceeded() {
        return lastApplySucceeded;
    }

    public NetfilterExecutor executor() {
        return executor;
    }

    @Override
    public PutOutcome put(Vm vm) {
        return (PutOutcome) submit(new PendingWrite(vm.name(), vm));
    }

    @Override
    public DeleteOutcome delete(String name) {
        return (DeleteOutcome) submit(new PendingWrite(name, null));
    }

    /**
     * Flat combining: every writer queues its request, then takes the write lock; whoever holds the lock
     * applies everything queued so far as one batch (one compile, one transaction per family) and answers
     * each request. A writer that finds its request already answered by an earlier holder just returns. So a
     * burst of N concurrent PUTs costs a few kernel transactions, not N, and no extra thread is needed.
     */
    private Object submit(PendingWrite write) {
        pending.add(write);
        // A caller whose write another holder already applied returns without ever taking the lock: it waits on
        // its own write, and only competes for the lock while its write is still queued.
        while (!write.isDone()) {
            if (writeLock.tryLock()) {
                try {
                    if (!write.isDone()) {
                        List<PendingWrite> batch = new ArrayList<>();
                        for (PendingWrite next; (next = pending.poll()) != null; ) {
                            batch.add(next);
                        }
                        applyBatch(batch);
                    }
                } finally {
                    writeLock.unlock();
                }
            } else {
                write.awaitDone(java.time.Duration.ofMillis(20));
            }
        }
        // Conntrack cleanup (B6/B7) runs here, after the lock is released: a burst of writes is not held up by
        // each write's conntrack listing, and the caller still gets its answer only once its flows are cut.
        write.runFollowUp();
        return write.outcome();
    }

    /** Validates each write against the state the earlier writes of the batch produce, then applies them all. */
    private void applyBatch(List<PendingWrite> batch) {
        Snapshot current = snapshot;
        HostState state = current.host();
        List<PendingWrite> accepted = new ArrayList<>();
        List<PendingWrite> unchanged = new ArrayList<>();
        for (PendingWrite write : batch) {
            Vm previous = state.vms().get(write.name());
            write.previous = previous;
            if (write.vm() == null) {
                if (previous == null) {
                    write.complete(new DeleteOutcome.NotFound());
                    continue;
                }
                state = state.without(write.name());
            } else {
                Vm vm = write.vm();
                if (previous != null && vm.seq() < previous.seq()) {
                    write.complete(new PutOutcome.StaleSeq(vm.seq(), previous.seq()));
                    continue;
                }
                if (previous != null && vm.seq() == previous.seq()) {
                    if (vm.sameContent(previous)) {
                        unchanged.add(write); // B10: answered with the status, no kernel write for it
                    } else {
                        write.complete(new PutOutcome.SeqReused(vm.seq()));
                    }
                    continue;
                }
                try {
                    state = state.with(vm);
                } catch (HostState.HostConflictException e) {
                    write.complete(new PutOutcome.Conflict(e.getMessage()));
                    continue;
                }
            }
            accepted.add(write);
        }
        if (!accepted.isEmpty()) {
            commit(current, state, accepted, batch.size());
        }
        for (PendingWrite write : unchanged) {
            VmStatus status = snapshot.statuses().get(write.name());
            write.complete(status != null && status.vm().seq() == write.vm().seq()
                    ? new PutOutcome.Unchanged(status)
                    : new PutOutcome.Failed("an identical request in the same batch was not applied"));
        }
    }

    /** Store, then kernel; on refusal undo the store and, for a batch, retry each write alone to isolate it. */
    private void commit(Snapshot current, HostState next, List<PendingWrite> accepted, int batchSize) {
        Ruleset ruleset = compiler.compile(next);
        int stored = 0;
        try {
            for (PendingWrite write : accepted) {
                if (write.vm() == null) {
                    store.delete(write.name());
                } else {
                    store.save(write.vm());
                }
                stored++;
            }
            apply(ruleset);
        } catch (StateStoreException | KernelApplyException e) {
            for (int i = stored - 1; i >= 0; i--) {
                restore(accepted.get(i).name(), accepted.get(i).previous);
            }
            String message = e instanceof StateStoreException ? "cannot store the desired state: " + e.getMessage()
                    : e.getMessage();
            if (accepted.size() == 1) {
                PendingWrite write = accepted.get(0);
                write.complete(write.vm() == null ? new DeleteOutcome.Failed(message) : new PutOutcome.Failed(message));
            } else {
                log.warn("a batch of {} writes failed ({}); applying them one by one", accepted.size(), message);
                for (PendingWrite write : accepted) {
                    applyBatch(List.of(write.reset()));
                }
            }
            return;
        }
        Instant now = clock.instant();
        Map<String, VmStatus> statuses = new HashMap<>(current.statuses());
        for (PendingWrite write : accepted) {
            if (write.vm() == null) {
                statuses.remove(write.name());
            } else {
                statuses.put(write.name(), status(write.vm(), now));
            }
        }
        publish(new Snapshot(next, statuses, ruleset));
        for (PendingWrite write : accepted) {
            Vm previous = write.previous;
            if (write.vm() == null) {
                // B7: a new VM reusing these addresses must not inherit this VM's flows.
                write.followUp(() -> conntrack.flush(addresses(previous)));
                write.complete(new DeleteOutcome.Deleted());
            } else {
                Vm vm = write.vm();
                if (previous != null) {
                    boolean mayNarrow = FlowPolicy.mayNarrow(previous, vm);
                    write.followUp(() -> {
                        conntrack.flush(removedAddresses(previous, vm));
                        if (mayNarrow) {
                            cutFlowsOfCurrentVersion(vm.name());
                        }
                    });
                }
                write.complete(new PutOutcome.Applied(statuses.get(write.name())));
            }
        }
        if (batchSize > 1) {
            log.debug("applied {} writes in one transaction", accepted.size());
        }
    }

    @Override
    public ReplaceOutcome replaceAll(HostState desired) {
        writeLock.lock();
        try {
            List<PendingWrite> queued = new ArrayList<>();
            for (PendingWrite next; (next = pending.poll()) != null; ) {
                queued.add(next);
            }
            if (!queued.isEmpty()) {
                applyBatch(queued); // writes that arrived first are applied first
            }
            Snapshot current = snapshot;
            List<String> reasons = new ArrayList<>();
            for (Vm vm : desired.vms().values()) {
                Vm previous = current.host().vms().get(vm.name());
                if (previous == null) {
                    continue;
                }
                if (vm.seq() < previous.seq()) {
                    reasons.add("vms[" + vm.name() + "].seq " + vm.seq() + " is lower than the programmed seq "
                            + previous.seq());
                } else if (vm.seq() == previous.seq() && !vm.sameContent(previous)) {
                    reasons.add("vms[" + vm.name() + "].seq " + vm.seq()
                            + " is already programmed with different content");
                }
            }
            if (!reasons.isEmpty()) {
                return new ReplaceOutcome.Rejected(reasons);
            }
            List<String> removed = current.host().vms().keySet().stream()
                    .filter(name -> !desired.vms().containsKey(name)).toList();
            Ruleset ruleset = compiler.compile(desired);
            try {
                for (Vm vm : desired.vms().values()) {
                    if (!vm.equals(current.host().vms().get(vm.name()))) {
                        store.save(vm);
                    }
                }
                for (String name : removed) {
                    store.delete(name);
                }
            } catch (StateStoreException e) {
                restoreAll(current.host());
                return new ReplaceOutcome.Failed("cannot store the desired state: " + e.getMessage());
            }
            try {
                apply(ruleset);
            } catch (KernelApplyException e) {
                restoreAll(current.host());
                return new ReplaceOutcome.Failed(e.getMessage());
            }
            Set<String> flush = new LinkedHashSet<>();
            for (String name : removed) {
                flush.addAll(addresses(current.host().vms().get(name)));
            }
            for (Vm vm : desired.vms().values()) {
                Vm previous = current.host().vms().get(vm.name());
                if (previous != null) {
                    flush.addAll(removedAddresses(previous, vm));
                }
            }
            conntrack.flush(flush);
            for (Vm vm : desired.vms().values()) {
                Vm previous = current.host().vms().get(vm.name());
                if (previous != null && FlowPolicy.mayNarrow(previous, vm)) {
                    cutFlowsNoLongerAllowed(vm);
                }
            }
            Instant now = clock.instant();
            Map<String, VmStatus> statuses = new HashMap<>();
            List<VmStatus> result = new ArrayList<>();
            for (Vm vm : desired.vms().values()) {
                VmStatus old = current.statuses().get(vm.name());
                VmStatus status = old != null && old.vm().equals(vm) ? old : status(vm, now);
                statuses.put(vm.name(), status);
                result.add(status);
            }
            publish(new Snapshot(desired, statuses, ruleset));
            return new ReplaceOutcome.Applied(result, removed);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Optional<VmStatus> get(String name) {
        return Optional.ofNullable(snapshot.statuses().get(name));
    }

    @Override
    public List<VmStatus> list() {
        Snapshot current = snapshot;
        return current.host().vms().keySet().stream().map(current.statuses()::get).toList();
    }

    @Override
    public Optional<String> ruleset(String name) {
        Snapshot current = snapshot;
        Vm vm = current.host().vms().get(name);
        return vm == null ? Optional.empty() : Optional.of(VmRulesetView.render(current.ruleset(), vm));
    }

    @Override
    public ConntrackReport conntrack() {
        ConntrackClient.Figures figures = conntrack.read();
        Map<String, Long> setSizes = new TreeMap<>();
        Snapshot current = snapshot;
        for (Family family : Family.values()) {
            String setName = ChainNames.notrackSet(family);
            long size = current.ruleset().sets().stream().filter(s -> s.name().equals(setName))
                    .mapToLong(s -> s.members().size()).sum();
            try {
                size = executor.readSets(ChainNames.PREFIX).getOrDefault(setName, Set.of()).size();
            } catch (KernelApplyException e) {
                log.debug("cannot read sets, reporting the desired size: {}", e.getMessage());
            }
            setSizes.put(family.label(), size);
        }
        double usage = figures.limit() > 0 ? (double) figures.entries() / figures.limit() : 0.0;
        return new ConntrackReport(figures.entries(), figures.limit(), usage, setSizes, figures.stats());
    }

    /**
     * B6: after rules changed, delete the conntrack entries of this VM's flows that its new rules no longer
     * allow; otherwise they would keep passing as ESTABLISHED for days. Only this VM's entries are listed.
     */
    /**
     * Judges the VM's flows by the version programmed now, not by the write that asked for the cleanup: a
     * cleanup racing with a newer write must not delete flows the newer rules allow.
     */
    private void cutFlowsOfCurrentVersion(String name) {
        Vm current = snapshot.host().vms().get(name);
        if (current != null) {
            cutFlowsNoLongerAllowed(current);
        }
    }

    private void cutFlowsNoLongerAllowed(Vm vm) {
        Set<String> stillTrackedPeers = NotrackPolicy.untracked(vm, Family.IPV4) || NotrackPolicy.untracked(vm, Family.IPV6)
                ? trackedPeers() : Set.of();
        int cut = 0;
        // Listed addresses (not the MAC-derived link-local one: link-local traffic is NDP and never tracked),
        // so a change costs two listings per address, whatever the size of the host.
        Set<String> listed = new LinkedHashSet<>();
        for (Family family : Family.values()) {
            vm.nics().forEach(nic -> nic.addresses(family).forEach(a -> listed.add(a.toCanonicalString())));
        }
        for (String address : listed) {
            for (ConntrackEntry entry : conntrack.entriesOf(address)) {
                if (!FlowPolicy.stillAllowed(vm, entry) || FlowPolicy.staleUntracked(vm, entry, stillTrackedPeers)) {
                    conntrack.delete(entry);
                    cut++;
                }
            }
        }
        if (cut > 0) {
            log.info("deleted {} conntrack entries of VM {} that its new rules no longer allow or that no longer "
                    + "see its packets", cut, vm.name());
        }
    }

    /**
     * Peers whose flows with an untracked VM stay tracked (B5): the tracked VMs of this host and the
     * hypervisor's own addresses.
     */
    private Set<String> trackedPeers() {
        Set<String> peers = new HashSet<>(executor.localAddresses());
        for (Vm other : snapshot.host().vms().values()) {
            for (Family family : Family.values()) {
                if (!NotrackPolicy.untracked(other, family)) {
                    other.ownAddresses(family).forEach(a -> peers.add(a.toCanonicalString()));
                }
            }
        }
        return peers;
    }

    /**
     * Packets and bytes each VM's rules dropped: ingress = its default deny, egress = its default deny plus its
     * NICs' anti-spoofing drops. Reads counters only (two processes); never waits for the writer.
     */
    public Map<String, VmDrops> drops() {
        Snapshot current = snapshot;
        Map<String, long[]> counters = executor.finalDropCounters(ChainNames.PREFIX);
        Map<String, VmDrops> drops = new TreeMap<>();
        for (Vm vm : current.host().vms().values()) {
            long[] in = counters.getOrDefault(ChainNames.ingress(vm.name()), new long[2]);
            long[] out = counters.getOrDefault(ChainNames.egress(vm.name()), new long[2]).clone();
            for (var nic : vm.nics()) {
                long[] spoof = counters.getOrDefault(ChainNames.antiSpoof(nic.device()), new long[2]);
                out[0] += spoof[0];
                out[1] += spoof[1];
            }
            drops.put(vm.name(), new VmDrops(in[0], in[1], out[0], out[1]));
        }
        return drops;
    }

    @Override
    public Optional<VmDrops> drops(String name) {
        return snapshot.host().vms().containsKey(name) ? Optional.ofNullable(drops().get(name)) : Optional.empty();
    }

    private VmStatus status(Vm vm, Instant appliedAt) {
        return new VmStatus(vm, NotrackPolicy.untracked(vm, Family.IPV4), NotrackPolicy.untracked(vm, Family.IPV6),
                appliedAt);
    }

    private void restore(String name, Vm previous) {
        try {
            if (previous == null) {
                store.delete(name);
            } else {
                store.save(previous);
            }
        } catch (StateStoreException e) {
            log.error("cannot restore the stored state of {} after a failed apply: {}", name, e.getMessage());
        }
    }

    private void restoreAll(HostState previous) {
        Map<String, Vm> stored = store.load();
        for (String name : stored.keySet()) {
            restore(name, previous.vms().get(name));
        }
        for (Vm vm : previous.vms().values()) {
            restore(vm.name(), vm);
        }
    }

    private static Set<String> addresses(Vm vm) {
        Set<String> all = new LinkedHashSet<>();
        for (Family family : Family.values()) {
            for (IPAddress address : vm.ownAddresses(family)) {
                all.add(address.toCanonicalString());
            }
        }
        return all;
    }

    private static Set<String> removedAddresses(Vm previous, Vm next) {
        Set<String> removed = new HashSet<>(addresses(previous));
        removed.removeAll(addresses(next));
        return removed;
    }
}
