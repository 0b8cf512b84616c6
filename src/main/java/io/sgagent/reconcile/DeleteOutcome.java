package io.sgagent.reconcile;

/** The expected outcomes of deleting one VM. Immutable values, so safe to hand between threads. */
public sealed interface DeleteOutcome {
    record Deleted() implements DeleteOutcome {
    }

    record NotFound() implements DeleteOutcome {
    }

    /** The kernel refused; the VM's rules stay in force and it stays stored: 503. */
    record Failed(String message) implements DeleteOutcome {
    }
}
