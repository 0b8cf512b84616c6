package io.sgagent.reconcile;

import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.compiler.VmRulesetView;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelApplyException;
import io.sgagent.netfilter.KernelReader;
import io.sgagent.netfilter.NetfilterExecutor;
import io.sgagent.state.DesiredStateStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's single writer, as the API sees it ({@link SecurityGroupService}). It only wires its parts:
 * <ul>
 *   <li>{@link WriteCombiner}: the write lock and the queue in front of it (flat combining);</li>
 *   <li>{@link HostTransaction}: seq and limit checks → compile → store → kernel → undo, for put, delete and
 *       full-host sync alike, and the published {@link Snapshot};</li>
 *   <li>{@link ConntrackCleanup}: the flows a change cuts (B6/B7), run after the lock is released;</li>
 *   <li>{@link KernelSync}: startup adoption and drift repair;</li>
 *   <li>{@link KernelStatus}: conntrack figures and drop counters for the API and metrics.</li>
 * </ul>
 * The threading model is written down in docs/architecture.md.
 *
 * <p>Thread-safe: writes are serialised by the combiner's lock; reads use the immutable snapshot published
 * through a volatile field after each successful write, so GETs and metrics never wait for an apply.
 */
public class HostReconciler implements SecurityGroupService {
    private final NetfilterExecutor executor;
    private final ObserverRelay observer = new ObserverRelay();
    private final HostTransaction transaction;
    private final WriteCombiner combiner;
    private final KernelSync sync;
    private final KernelStatus status;

    public HostReconciler(RulesetCompiler compiler, NetfilterExecutor executor, ConntrackClient conntrack,
                          KernelReader kernel, DesiredStateStore store, Clock clock, int vmsPerHost) {
        this.executor = executor;
        executor.events(observer);
        // The cleanup judges flows by the snapshot the transaction publishes (read at cleanup time).
        ConntrackCleanup cleanup = new ConntrackCleanup(conntrack, kernel, this::programmed,
                compiler.connMarks());
        this.transaction = new HostTransaction(compiler, executor, store, clock, vmsPerHost, cleanup, observer);
        this.combiner = new WriteCombiner(transaction::applyBatch, observer);
        this.sync = new KernelSync(transaction, combiner, executor, clock, observer);
        this.status = new KernelStatus(conntrack, kernel, transaction::snapshot);
    }

    private Snapshot programmed() {
        return transaction.snapshot();
    }

    /** Programs the stored state, or adopts a kernel that already holds it. */
    public void start() throws KernelApplyException {
        sync.start();
    }

    /** One drift check (see {@link KernelSync}); returns what was repaired. */
    public List<String> repairDrift() {
        return sync.repairDrift();
    }

    public void observe(ApplyObserver applyObserver) {
        observer.target(applyObserver);
    }

    public boolean lastApplySucceeded() {
        return transaction.lastApplySucceeded();
    }

    public NetfilterExecutor executor() {
        return executor;
    }

    @Override
    public PutOutcome put(Vm vm) {
        return put(vm, Actor.AGENT);
    }

    @Override
    public PutOutcome put(Vm vm, Actor actor) {
        return combiner.submit(new PendingWrite.Put(vm, actor));
    }

    @Override
    public DeleteOutcome delete(String name) {
        return delete(name, Actor.AGENT);
    }

    @Override
    public DeleteOutcome delete(String name, Actor actor) {
        return combiner.submit(new PendingWrite.Delete(name, actor));
    }

    @Override
    public ReplaceOutcome replaceAll(HostState desired) {
        return replaceAll(desired, Actor.AGENT);
    }

    @Override
    public ReplaceOutcome replaceAll(HostState desired, Actor actor) {
        Snapshot[] before = new Snapshot[1];
        ReplaceOutcome outcome = combiner.exclusively(() -> {
            before[0] = transaction.snapshot();
            return transaction.replaceAll(desired, actor);
        });
        if (outcome instanceof ReplaceOutcome.Applied) {
            // After the lock, before the answer: like a put, the flows are cut when the request returns.
            transaction.cleanupAfter(before[0], desired).run();
        }
        return outcome;
    }

    @Override
    public Optional<VmStatus> get(String name) {
        return Optional.ofNullable(transaction.snapshot().statuses().get(name));
    }

    @Override
    public List<VmStatus> list() {
        Snapshot current = transaction.snapshot();
        return current.host().vms().keySet().stream().map(current.statuses()::get).toList();
    }

    @Override
    public Optional<String> ruleset(String name) {
        Snapshot current = transaction.snapshot();
        Vm vm = current.host().vms().get(name);
        return vm == null ? Optional.empty() : Optional.of(VmRulesetView.render(current.ruleset(), vm));
    }

    @Override
    public ConntrackReport conntrack() {
        return status.conntrack();
    }

    /** Drop counters of every VM; reads kernel counters, never waits for the writer. */
    public Map<String, VmDrops> drops() {
        return status.drops();
    }

    @Override
    public Optional<VmDrops> drops(String name) {
        return transaction.snapshot().host().vms().containsKey(name)
                ? Optional.ofNullable(drops().get(name)) : Optional.empty();
    }
}
