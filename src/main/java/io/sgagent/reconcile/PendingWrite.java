package io.sgagent.reconcile;

import io.sgagent.model.Vm;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One queued PUT or DELETE waiting for the combining writer, typed by its outcome. The outcome is published
 * through a volatile field and a latch, so the waiting caller sees it without taking the write lock.
 *
 * <p>Thread-safety: the writer that holds the lock fills {@code previous} and completes the write; the caller
 * reads the outcome only after the latch (or the volatile field) says it is there.
 */
abstract sealed class PendingWrite<O> permits PendingWrite.Put, PendingWrite.Delete {
    private final String name;
    private final Actor actor;
    private final long enqueuedNanos = System.nanoTime();
    /** The VM's state before this write, as the batch saw it; used to undo the store and to cut flows. */
    Vm previous;
    private volatile O outcome;
    private volatile Runnable followUp;
    private final CountDownLatch done = new CountDownLatch(1);

    private PendingWrite(String name, Actor actor) {
        this.name = name;
        this.actor = actor;
    }

    String name() {
        return name;
    }

    /** Who asked for this write (audit log). */
    Actor actor() {
        return actor;
    }

    /** The VM as it is after this write; null for a delete. */
    abstract Vm next();

    /** The outcome of this write when the store or the kernel refused it. */
    abstract O failed(String message);

    long enqueuedNanos() {
        return enqueuedNanos;
    }

    boolean isDone() {
        return outcome != null;
    }

    O outcome() {
        return outcome;
    }

    /** Work the caller does after the write lock is released (conntrack cleanup), before it answers. */
    void followUp(Runnable work) {
        this.followUp = work;
    }

    void runFollowUp() {
        Runnable work = followUp;
        followUp = null;
        if (work != null) {
            work.run();
        }
    }

    void complete(O result) {
        this.outcome = result;
        done.countDown();
    }

    /** Waits up to {@code timeout} for another writer to apply this write. */
    void awaitDone(Duration timeout) {
        try {
            done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the writer", e);
        }
    }

    /** For a retry on its own after its batch failed (it was not completed). */
    PendingWrite<O> reset() {
        previous = null;
        followUp = null;
        return this;
    }

    static final class Put extends PendingWrite<PutOutcome> {
        private final Vm vm;

        Put(Vm vm) {
            this(vm, Actor.AGENT);
        }

        Put(Vm vm, Actor actor) {
            super(vm.name(), actor);
            this.vm = vm;
        }

        @Override
        Vm next() {
            return vm;
        }

        @Override
        PutOutcome failed(String message) {
            return new PutOutcome.Failed(message);
        }
    }

    static final class Delete extends PendingWrite<DeleteOutcome> {
        Delete(String name, Actor actor) {
            super(name, actor);
        }

        @Override
        Vm next() {
            return null;
        }

        @Override
        DeleteOutcome failed(String message) {
            return new DeleteOutcome.Failed(message);
        }
    }
}
