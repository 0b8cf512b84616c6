package io.sgagent.reconcile;

import io.sgagent.model.Vm;

/**
 * One queued PUT ({@code vm} set) or DELETE ({@code vm} null) waiting for the combining writer. The outcome is
 * published through a volatile field before the writer releases the write lock, so the waiting caller sees
 * it as soon as it holds the lock itself.
 */
final class PendingWrite {
    private final String name;
    private final Vm vm;
    /** The VM's state before this write, as the batch saw it; used to undo the store and to cut flows. */
    Vm previous;
    private volatile Object outcome;
    private volatile Runnable followUp;

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
    }

    /** For a retry on its own after its batch failed. */
    PendingWrite reset() {
        outcome = null;
        previous = null;
        followUp = null;
        return this;
    }
}
