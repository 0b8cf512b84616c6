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
 * <p>Threading: writes are serialised by {@code writeLock}; reads use the immutable {@link Snapshot} published
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
    private final Object writeLock = new Object();
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
        HostState empty = HostState.EMPTY;
        this.snapshot = new Snapshot(empty, Map.of(), compiler.compile(empty));
    }

    /**
     * Startup adoption: program the stored state (an empty store still installs the base chains and hooks,
     * and removes chains of ours that no VM needs any more).
     */
    public void start() throws KernelApplyException {
        synchronized (writeLock) {
            HostState host = new HostState(new TreeMap<>(store.load()));
            Ruleset ruleset = compiler.compile(host);
            apply(ruleset);
            Instant now = clock.instant();
            Map<String, VmStatus> statuses = new HashMap<>();
            for (Vm vm : host.vms().values()) {
                statuses.put(vm.name(), status(vm, now));
            }
            snapshot = new Snapshot(host, statuses, ruleset);
            log.info("programmed {} stored VMs", host.vms().size());
        }
    }

    public void observe(ApplyObserver applyObserver) {
        this.observer = applyObserver;
    }

    /** Writes the ruleset and tells the observer how long it took and whether the kernel took it. */
    private void apply(Ruleset ruleset) throws KernelApplyException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            executor.apply(ruleset);
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
        synchronized (writeLock) {
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
                apply(current.ruleset());
                for (String object : drifted) {
                    observer.driftRepaired(object.substring(0, object.indexOf(' ')));
                }
            } catch (KernelApplyException e) {
                log.error("drift repair failed: {}", e.getMessage());
            }
            return drifted;
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
        synchronized (writeLock) {
            Snapshot current = snapshot;
            Vm previous = current.host().vms().get(vm.name());
            if (previous != null) {
                if (vm.seq() < previous.seq()) {
                    return new PutOutcome.StaleSeq(vm.seq(), previous.seq());
                }
                if (vm.seq() == previous.seq()) {
                    return vm.sameContent(previous)
                            ? new PutOutcome.Unchanged(current.statuses().get(vm.name()))
                            : new PutOutcome.SeqReused(vm.seq());
                }
            }
            HostState next;
            try {
                next = current.host().with(vm);
            } catch (HostState.HostConflictException e) {
                return new PutOutcome.Conflict(e.getMessage());
            }
            Ruleset ruleset = compiler.compile(next);
            try {
                store.save(vm);
            } catch (StateStoreException e) {
                return new PutOutcome.Failed("cannot store the desired state: " + e.getMessage());
            }
            try {
                apply(ruleset);
            } catch (KernelApplyException e) {
                restore(vm.name(), previous);
                return new PutOutcome.Failed(e.getMessage());
            }
            if (previous != null) {
                executor.flushConntrack(removedAddresses(previous, vm));
                cutFlowsNoLongerAllowed(vm);
            }
            VmStatus status = status(vm, clock.instant());
            Map<String, VmStatus> statuses = new HashMap<>(current.statuses());
            statuses.put(vm.name(), status);
            snapshot = new Snapshot(next, statuses, ruleset);
            return new PutOutcome.Applied(status);
        }
    }

    @Override
    public DeleteOutcome delete(String name) {
        synchronized (writeLock) {
            Snapshot current = snapshot;
            Vm previous = current.host().vms().get(name);
            if (previous == null) {
                return new DeleteOutcome.NotFound();
            }
            HostState next = current.host().without(name);
            Ruleset ruleset = compiler.compile(next);
            try {
                store.delete(name);
            } catch (StateStoreException e) {
                return new DeleteOutcome.Failed("cannot store the desired state: " + e.getMessage());
            }
            try {
                apply(ruleset);
            } catch (KernelApplyException e) {
                restore(name, previous);
                return new DeleteOutcome.Failed(e.getMessage());
            }
            // B7: a new VM reusing these addresses must not inherit this VM's flows.
            executor.flushConntrack(addresses(previous));
            Map<String, VmStatus> statuses = new HashMap<>(current.statuses());
            statuses.remove(name);
            snapshot = new Snapshot(next, statuses, ruleset);
            return new DeleteOutcome.Deleted();
        }
    }

    @Override
    public ReplaceOutcome replaceAll(HostState desired) {
        synchronized (writeLock) {
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
            executor.flushConntrack(flush);
            for (Vm vm : desired.vms().values()) {
                Vm previous = current.host().vms().get(vm.name());
                if (previous != null && !previous.sameContent(vm)) {
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
            snapshot = new Snapshot(desired, statuses, ruleset);
            return new ReplaceOutcome.Applied(result, removed);
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
    private void cutFlowsNoLongerAllowed(Vm vm) {
        int cut = 0;
        for (String address : addresses(vm)) {
            for (ConntrackEntry entry : conntrack.entriesOf(address)) {
                if (!FlowPolicy.stillAllowed(vm, entry)) {
                    conntrack.delete(entry);
                    cut++;
                }
            }
        }
        if (cut > 0) {
            log.info("deleted {} conntrack entries of VM {} that its new rules no longer allow", cut, vm.name());
        }
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
