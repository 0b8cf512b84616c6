package io.sgagent.reconcile;

import io.sgagent.netfilter.KernelApplyException;
import io.sgagent.netfilter.NetfilterExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the kernel equal to the programmed snapshot when nobody asks for a change: startup adoption (program
 * the stored state, or adopt a kernel that already holds it without writing) and drift repair (someone flushed
 * a chain, deleted our hook, emptied a set, turned bridge-nf off).
 *
 * <p>Thread-safety: the drift check reads the kernel <em>outside</em> the write lock and compares it with the
 * snapshot it started from, so a check never blocks writers. Only when something differs does it take the lock,
 * and then it repairs only if the snapshot is still the one it compared with, re-checking under the lock (a
 * write in between may have changed the desired state, or been mid-transaction while the check read the kernel:
 * then this round is skipped and the next one judges the new state).
 */
final class KernelSync {
    private static final Logger log = LoggerFactory.getLogger(KernelSync.class);
    private final HostTransaction transaction;
    private final WriteCombiner combiner;
    private final NetfilterExecutor executor;
    private final Clock clock;
    private final ApplyObserver observer;
    private static final int MAX_SKIPPED_ROUNDS = 3;
    /** Rounds skipped in a row because a write was in progress; only the drift thread touches it. */
    private int skippedRounds;

    KernelSync(HostTransaction transaction, WriteCombiner combiner, NetfilterExecutor executor, Clock clock,
               ApplyObserver observer) {
        this.transaction = transaction;
        this.combiner = combiner;
        this.executor = executor;
        this.clock = clock;
        this.observer = observer;
    }

    /**
     * Startup adoption: program the stored state (an empty store still installs the base chains and hooks, and
     * removes chains of ours that no VM needs any more), unless the kernel already holds exactly that.
     */
    void start() throws KernelApplyException {
        KernelApplyException failure = combiner.exclusively(() -> {
            Snapshot current = transaction.snapshot(); // the stored state, or newer if a write got in first
            try {
                // A restarted agent on an unchanged kernel writes nothing: no rule rewritten, no counter reset.
                List<String> drifted = executor.drift(current.ruleset());
                if (drifted.isEmpty()) {
                    transaction.adopt(current.ruleset());
                    log.info("kernel already holds the stored state of {} VMs; nothing written",
                            current.host().vms().size());
                } else {
                    log.info("programming the stored state ({} objects differ)", drifted.size());
                    transaction.apply(current.ruleset(), false);
                }
            } catch (KernelApplyException e) {
                return e;
            }
            transaction.publish(current.appliedAt(clock.instant()));
            log.info("programmed {} stored VMs", current.host().vms().size());
            return null;
        });
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * One drift check; returns what was found drifted and repaired (empty if nothing, or if the round was skipped).
     * A round that finds a write in progress is skipped: the write is about to make the kernel hold a new state
     * anyway, and reading the whole ruleset next to it would only take CPU and nf_tables round trips from the write
     * (and read a half-written kernel). Under a steady stream of writes a check still runs every
     * {@value #MAX_SKIPPED_ROUNDS}th round, without ever taking the lock to read.
     */
    List<String> repairDrift() {
        if (combiner.writing() && skippedRounds < MAX_SKIPPED_ROUNDS) {
            skippedRounds++;
            return List.of();
        }
        skippedRounds = 0;
        long start = System.nanoTime();
        try {
            Snapshot seen = transaction.snapshot();
            List<String> drifted = read(seen);
            if (drifted.isEmpty() || transaction.snapshot() != seen) {
                return List.of(); // a write got in while we read: the next round judges the new state
            }
            return combiner.exclusively(() -> repairUnderLock(seen));
        } finally {
            observer.driftChecked(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private List<String> repairUnderLock(Snapshot seen) {
        Snapshot current = transaction.snapshot();
        if (current != seen) {
            log.debug("desired state changed during the drift check; the next round judges the new state");
            return List.of();
        }
        List<String> drifted = read(current); // the first read may have caught a write in progress
        if (drifted.isEmpty()) {
            return drifted;
        }
        log.warn("kernel drifted from the desired state, repairing: {}", drifted);
        try {
            transaction.apply(current.ruleset(), true);
            for (String object : drifted) {
                observer.driftRepaired(object.substring(0, object.indexOf(' ')));
            }
        } catch (KernelApplyException e) {
            log.error("drift repair failed: {}", e.getMessage());
        }
        return drifted;
    }

    private List<String> read(Snapshot snapshot) {
        try {
            return executor.drift(snapshot.ruleset());
        } catch (KernelApplyException e) {
            log.warn("drift check could not read the kernel: {}", e.getMessage());
            return List.of();
        }
    }
}
