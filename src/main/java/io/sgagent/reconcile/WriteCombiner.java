package io.sgagent.reconcile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The write lock and the queue in front of it (flat combining): every writer queues its request, then takes the
 * lock; whoever holds the lock applies everything queued so far as one batch and answers each request. A
 * writer whose request an earlier holder already answered just returns. So a burst of N concurrent PUTs costs
 * a few kernel transactions, not N, and no extra thread is needed.
 *
 * <p>Thread-safety: the queue is lock-free; the batch consumer runs only under the lock, so it is never run by
 * two threads at once. Whole-host work (full sync, adoption, drift repair) takes the same lock through
 * {@link #exclusively}.
 */
final class WriteCombiner {
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentLinkedQueue<PendingWrite<?>> pending = new ConcurrentLinkedQueue<>();
    private final Consumer<List<PendingWrite<?>>> batches;
    private final ApplyObserver observer;

    /**
     * @param batches  applies one batch; called under the lock, must complete every write or leave it queued-free
     *                 and uncompleted only if it re-submits it itself
     * @param observer told how long each write waited for the lock
     */
    WriteCombiner(Consumer<List<PendingWrite<?>>> batches, ApplyObserver observer) {
        this.batches = batches;
        this.observer = observer;
    }

    <O> O submit(PendingWrite<O> write) {
        pending.add(write);
        // A caller whose write another holder already applied returns without ever taking the lock: it waits on
        // its own write, and only competes for the lock while its write is still queued.
        while (!write.isDone()) {
            if (lock.tryLock()) {
                try {
                    if (!write.isDone()) {
                        drain();
                    }
                } finally {
                    lock.unlock();
                }
            } else {
                write.awaitDone(Duration.ofMillis(20));
            }
        }
        // Conntrack cleanup (B6/B7) runs here, after the lock is released: a burst of writes is not held up by
        // each write's conntrack listing, and the caller still gets its answer only once its flows are cut.
        write.runFollowUp();
        return write.outcome();
    }

    /**
     * Runs {@code work} holding the write lock, after applying the writes queued before it (they arrived first,
     * so they are applied first).
     */
    <T> T exclusively(Supplier<T> work) {
        long start = System.nanoTime();
        lock.lock();
        try {
            observer.writeLockWaited(Duration.ofNanos(System.nanoTime() - start));
            drain();
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    /** True while some thread holds the write lock, i.e. a write or a repair is in progress. */
    boolean writing() {
        return lock.isLocked();
    }

    private void drain() {
        List<PendingWrite<?>> batch = new ArrayList<>();
        long now = System.nanoTime();
        for (PendingWrite<?> next; (next = pending.poll()) != null; ) {
            observer.writeLockWaited(Duration.ofNanos(now - next.enqueuedNanos()));
            batch.add(next);
        }
        if (!batch.isEmpty()) {
            batches.accept(batch);
        }
    }
}
