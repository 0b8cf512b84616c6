package io.sgagent.reconcile;

import io.sgagent.model.Vm;

/**
 * One queued PUT ({@code vm} set) or DELETE ({@code vm} null) waiting for the combining writer. The outcome is
 * published through a volatile field and a latch, so the waiting caller sees it without taking the write lock.
 */
final class PendingWrite {
    private final String name;
    private final Vm vm;
    /** The VM's state before this write, as the batch saw it; used to undo the store and to cut flows. */
    Vm previous;
    private volatile Object outcome;
    private volatile Runnable followUp;
    private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

    PendingWrite(String name, Vm vm) {
        this.name = name;
        this.vm = vm;
    }

    String name() {
        return name;
    }

    Vm vm() {
        return vm;
    }

    boolean isDone() {
        return outcome != null;
    }

    Object outcome() {
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

    void complete(Object result) {
        this.outcome = result;
        done.countDown();
    }

    /** Waits up to {@code timeout} for another writer to apply this write. */
    void awaitDone(java.time.Duration timeout) {
        try {
            done.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the writer", e);
        }
    }

    /** For a retry on its own after its batch failed. */
    PendingWrite reset() {
        outcome = null;
        previous = null;
        followUp = null;
        return this;
    }
}
