package io.sgagent.reconcile;

import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.KernelApplyException;
import io.sgagent.netfilter.NetfilterExecutor;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.state.DesiredStateStore;
import io.sgagent.state.DesiredStateStore.StateStoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one host transaction every write goes through — put, delete and full-host sync alike: check seq (B10) and
 * the VMs-per-host limit → compile the whole host and, beside it, store → kernel. If the store or the kernel
 * refuses, the stored state is put back, so neither advances (B9). If the agent dies between store and kernel, the
 * next start programs the stored (acknowledged-or-newer) state. A success publishes a new {@link Snapshot}.
 *
 * <p>Thread-safety: every method that writes runs under the {@link WriteCombiner}'s lock (one writer at a time);
 * the snapshot and the last-apply flag are volatile, so readers on any thread see a whole state without a lock.
 */
final class HostTransaction {
    /**
     * Logs under the facade's name: operators and bench/ enable DEBUG for io.sgagent.reconcile.HostReconciler to see
     * batch sizes ("applied N writes in one transaction").
     */
    private static final Logger log = LoggerFactory.getLogger(HostReconciler.class);

    /**
     * Writes a transaction's state files beside its compile ({@code sgagent-store}, a daemon thread that exists
     * only while there is work). One thread is enough: transactions run one at a time, under the write lock.
     */
    private static final ThreadPoolExecutor STORE_THREAD = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), daemonThreads(n -> "sgagent-store"));

    /**
     * Serialises, writes and fsyncs the files of a batch side by side ({@code sgagent-file-N}, up to 8 daemon
     * threads that exist only while there is work; when all are busy the store thread writes the file itself): the
     * fsyncs wait for the disk, and concurrent ones are committed together.
     */
    private static final ThreadPoolExecutor FILE_WRITERS = new ThreadPoolExecutor(0, 8, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), daemonThreads(n -> "sgagent-file-" + n),
            new ThreadPoolExecutor.CallerRunsPolicy());

    /**
     * Compiles a big host's IPv6 family beside the rest of the compile ({@code sgagent-compile}, a daemon thread
     * that exists only while there is work; {@link RulesetCompiler#compile(HostState, java.util.concurrent.Executor)}).
     */
    private static final ThreadPoolExecutor COMPILE_THREAD = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), daemonThreads(n -> "sgagent-compile"),
            new ThreadPoolExecutor.CallerRunsPolicy());

    /** Daemon threads named by their number (1, 2, ...), so the JVM never waits for them at shutdown. */
    private static ThreadFactory daemonThreads(IntFunction<String> name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name.apply(count.incrementAndGet()));
            thread.setDaemon(true);
            return thread;
        };
    }

    private final RulesetCompiler compiler;
    private final NetfilterExecutor executor;
    private final DesiredStateStore store;
    private final Clock clock;
    private final int vmsPerHost;
    private final ConntrackCleanup cleanup;
    private final ApplyObserver observer;
    private volatile Snapshot snapshot;
    private volatile boolean lastApplySucceeded;

    /**
     * One VM's change within a transaction: {@code after} null deletes it, {@code before} null creates it;
     * {@code actor} asked for it (audit log).
     */
    record Change(String name, Vm before, Vm after, Actor actor) {
    }

    HostTransaction(RulesetCompiler compiler, NetfilterExecutor executor, DesiredStateStore store, Clock clock,
                    int vmsPerHost, ConntrackCleanup cleanup, ApplyObserver observer) {
        this.compiler = compiler;
        this.executor = executor;
        this.store = store;
        this.clock = clock;
        this.vmsPerHost = vmsPerHost;
        this.cleanup = cleanup;
        this.observer = observer;
        // The stored state is known from the first moment, so a GET or a seq check that arrives before the
        // kernel is programmed (start) already sees it; only appliedAt waits for start.
        HostState stored = new HostState(new TreeMap<>(store.load()));
        this.snapshot = Snapshot.unapplied(stored, compiler.compile(stored));
    }

    Snapshot snapshot() {
        return snapshot;
    }

    boolean lastApplySucceeded() {
        return lastApplySucceeded;
    }

    /** Makes a new state visible to readers, then tells the observer the set of VMs may have changed. */
    void publish(Snapshot next) {
        snapshot = next;
        observer.vmsChanged();
    }

    /** Writes the ruleset (incrementally, or in full) and reports how long it took and whether it held. */
    void apply(Ruleset ruleset, boolean full) throws KernelApplyException {
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
            observer.applied(Duration.ofNanos(System.nanoTime() - start), ok);
        }
    }

    /** The kernel was found to hold exactly the snapshot's ruleset: take it as the base, write nothing. */
    void adopt(Ruleset ruleset) {
        executor.adopt(ruleset);
        lastApplySucceeded = true;
    }

    /** Validates each write against the state the earlier writes of the batch produce, then applies them all. */
    void applyBatch(List<PendingWrite<?>> batch) {
        HostState state = snapshot.host();
        List<PendingWrite<?>> accepted = new ArrayList<>();
        List<PendingWrite.Put> unchanged = new ArrayList<>();
        for (PendingWrite<?> write : batch) {
            Vm previous = state.vms().get(write.name());
            write.previous = previous;
            if (write instanceof PendingWrite.Delete delete) {
                if (previous == null) {
                    delete.complete(new DeleteOutcome.NotFound());
                    continue;
                }
                state = state.without(delete.name());
            } else if (write instanceof PendingWrite.Put put) {
                Vm vm = put.next();
                SeqCheck seq = SeqCheck.of(previous, vm);
                if (seq == SeqCheck.STALE) {
                    put.complete(new PutOutcome.StaleSeq(vm.seq(), previous.seq()));
                    continue;
                } else if (seq == SeqCheck.REUSED) {
                    put.complete(new PutOutcome.SeqReused(vm.seq()));
                    continue;
                } else if (seq == SeqCheck.UNCHANGED) {
                    unchanged.add(put); // B10: answered with the status, no kernel write for it
                    continue;
                }
                // Counted against the state this batch has built so far, under the lock: exact under concurrency.
                // A Conflict, which every caller already maps to 409; the API checks the limit first and answers
                // limit-exceeded, so this one is only reached by PUTs racing for the last places.
                if (previous == null && state.vms().size() >= vmsPerHost) {
                    put.complete(new PutOutcome.Conflict("this host already has "
                            + state.vms().size() + " VMs; the limit is " + vmsPerHost
                            + " (sgagent.limits.vms-per-host)"));
                    continue;
                }
                try {
                    state = state.with(vm);
                } catch (HostState.HostConflictException e) {
                    put.complete(new PutOutcome.Conflict(e.getMessage()));
                    continue;
                }
            }
            accepted.add(write);
        }
        if (!accepted.isEmpty()) {
            commitBatch(state, accepted);
        }
        for (PendingWrite.Put write : unchanged) {
            VmStatus status = snapshot.statuses().get(write.name());
            write.complete(status != null && status.vm().seq() == write.next().seq()
                    ? new PutOutcome.Unchanged(status)
                    : new PutOutcome.Failed("an identical request in the same batch was not applied"));
        }
    }

    /** Commits a batch; if a batch of several fails, retries each write alone to isolate the one at fault. */
    private void commitBatch(HostState next, List<PendingWrite<?>> accepted) {
        Snapshot before = snapshot;
        List<Change> changes = accepted.stream().map(w -> new Change(w.name(), w.previous, w.next(), w.actor())).toList();
        Optional<String> failure = commit(before, next, changes);
        if (failure.isPresent()) {
            if (accepted.size() == 1) {
                complete(accepted.get(0), failure.get());
            } else {
                log.warn("a batch of {} writes failed ({}); applying them one by one", accepted.size(),
                        failure.get());
                for (PendingWrite<?> write : accepted) {
                    applyBatch(List.of(write.reset()));
                }
            }
            return;
        }
        Map<String, VmStatus> statuses = snapshot.statuses();
        for (PendingWrite<?> write : accepted) {
            if (write instanceof PendingWrite.Delete delete) {
                delete.followUp(cleanup.afterDelete(delete.previous));
                delete.complete(new DeleteOutcome.Deleted());
            } else if (write instanceof PendingWrite.Put put) {
                put.followUp(cleanup.afterPut(put.previous, put.next()));
                put.complete(new PutOutcome.Applied(statuses.get(put.name())));
            }
        }
        if (accepted.size() > 1) {
            log.debug("applied {} writes in one transaction", accepted.size());
        }
    }

    private static <O> void complete(PendingWrite<O> write, String message) {
        write.complete(write.failed(message));
    }

    /** Full-host sync: the whole desired state in one transaction; VMs not listed are removed. */
    ReplaceOutcome replaceAll(HostState desired, Actor actor) {
        Snapshot current = snapshot;
        List<String> reasons = new ArrayList<>();
        if (desired.vms().size() > vmsPerHost) {
            reasons.add("vms: " + desired.vms().size() + " VMs exceed sgagent.limits.vms-per-host (" + vmsPerHost
                    + ")");
        }
        for (Vm vm : desired.vms().values()) {
            Vm previous = current.host().vms().get(vm.name());
            SeqCheck seq = SeqCheck.of(previous, vm);
            if (seq == SeqCheck.STALE) {
                reasons.add("vms[" + vm.name() + "].seq " + vm.seq() + " is lower than the programmed seq "
                        + previous.seq());
            } else if (seq == SeqCheck.REUSED) {
                reasons.add("vms[" + vm.name() + "].seq " + vm.seq()
                        + " is already programmed with different content");
            }
        }
        if (!reasons.isEmpty()) {
            return new ReplaceOutcome.Rejected(reasons);
        }
        List<Change> changes = new ArrayList<>();
        for (Vm vm : desired.vms().values()) {
            Vm previous = current.host().vms().get(vm.name());
            if (!vm.equals(previous)) {
                changes.add(new Change(vm.name(), previous, vm, actor));
            }
        }
        List<String> removed = current.host().vms().keySet().stream()
                .filter(name -> !desired.vms().containsKey(name)).toList();
        for (String name : removed) {
            changes.add(new Change(name, current.host().vms().get(name), null, actor));
        }
        Optional<String> failure = commit(current, desired, changes);
        if (failure.isPresent()) {
            return new ReplaceOutcome.Failed(failure.get());
        }
        Map<String, VmStatus> statuses = snapshot.statuses();
        List<VmStatus> result = desired.vms().keySet().stream().map(statuses::get).toList();
        return new ReplaceOutcome.Applied(result, removed);
    }

    /** Cleanup of a full-host sync; run by the caller once the write lock is released. */
    Runnable cleanupAfter(Snapshot before, HostState desired) {
        Runnable work = cleanup.afterSync(before.host().vms(), desired.vms());
        return work == null ? () -> { } : work;
    }

    /**
     * Compile and store (every changed VM in one batch) side by side, then kernel; on refusal every changed VM's
     * stored version is put back (again one batch) and the reason is returned.
     * On success the new snapshot is published; statuses of unchanged VMs keep their appliedAt.
     */
    private Optional<String> commit(Snapshot current, HostState next, List<Change> changes) {
        long start = System.nanoTime();
        // The store does not need the compiled ruleset, and the compile does not touch the kernel: the state files
        // are written and fsynced on the store thread while this thread compiles (a cold 1000-VM sync: ~0.5 s of
        // each). The kernel is still written only once both are done, so the order store-then-kernel holds.
        Future<StoreResult> storing = changes.isEmpty() ? CompletableFuture.completedFuture(new StoreResult(null, 0))
                : STORE_THREAD.submit(() -> storeTimed(changes));
        Ruleset ruleset;
        try {
            ruleset = compiler.compile(next, COMPILE_THREAD);
        } catch (RuntimeException e) {
            awaitStore(storing);
            undo(changes);
            throw e;
        }
        long compiled = System.nanoTime();
        StoreResult stored = awaitStore(storing);
        if (stored.failure() != null) {
            // Some files may already hold the new version: put every changed VM back as it was.
            undo(changes);
            return Optional.of("cannot store the desired state: " + stored.failure().getMessage());
        }
        long storedAt = System.nanoTime();
        try {
            apply(ruleset, false);
        } catch (KernelApplyException e) {
            undo(changes);
            return Optional.of(e.getMessage());
        }
        Instant now = clock.instant();
        Map<String, VmStatus> statuses = new HashMap<>(current.statuses());
        for (Change change : changes) {
            if (change.after() == null) {
                statuses.remove(change.name());
            } else {
                statuses.put(change.name(), Snapshot.status(change.after(), now));
            }
        }
        statuses.keySet().retainAll(next.vms().keySet());
        publish(new Snapshot(next, statuses, ruleset));
        if (log.isDebugEnabled()) {
            long end = System.nanoTime();
            log.debug("transaction of {} changes: compile {} ms, store {} ms, kernel {} ms (store beside the compile;"
                    + " waited {} ms for it after the compile)", changes.size(), (compiled - start) / 1_000_000,
                    stored.nanos() / 1_000_000, (end - storedAt) / 1_000_000, (storedAt - compiled) / 1_000_000);
        }
        for (Change change : changes) {
            AuditLog.applied(change, changes.size());
        }
        return Optional.empty();
    }

    /** How the store thread's batch ended: {@code failure} null on success; {@code nanos} it took. */
    private record StoreResult(StateStoreException failure, long nanos) {
    }

    private StoreResult storeTimed(List<Change> changes) {
        long start = System.nanoTime();
        try {
            store(changes, Change::after);
            return new StoreResult(null, System.nanoTime() - start);
        } catch (StateStoreException e) {
            return new StoreResult(e, System.nanoTime() - start);
        }
    }

    /**
     * The store thread's result. Waits through interrupts: the batch is file I/O that ends on its own, and the
     * transaction must know whether it happened before it writes the kernel or undoes. An unchecked exception of
     * the store counts as a store failure.
     */
    private static StoreResult awaitStore(Future<StoreResult> storing) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return storing.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    return new StoreResult(new StateStoreException(String.valueOf(cause), cause), 0);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stores the given version ({@code after} or {@code before}; null = absent) of every changed VM in one batch. */
    private void store(List<Change> changes, Function<Change, Vm> version) throws StateStoreException {
        List<Vm> saves = new ArrayList<>();
        List<String> deletes = new ArrayList<>();
        for (Change change : changes) {
            Vm vm = version.apply(change);
            if (vm == null) {
                deletes.add(change.name());
            } else {
                saves.add(vm);
            }
        }
        store.saveAll(saves, deletes, FILE_WRITERS);
    }

    private void undo(List<Change> changes) {
        try {
            store(changes, Change::before);
        } catch (StateStoreException e) {
            log.error("cannot restore the stored state of {} VMs after a failed apply: {}", changes.size(),
                    e.getMessage());
        }
    }
}
