package io.sgagent.reconcile;

/**
 * The expected outcomes of a PUT of one VM, as values; exceptions are reserved for bugs. Immutable, so safe to hand
 * from the combining writer to the waiting request thread.
 */
public sealed interface PutOutcome {
    /** The kernel now enforces the new state. */
    record Applied(VmStatus status) implements PutOutcome {
    }

    /** Same seq, same content: nothing was written to the kernel (B10). */
    record Unchanged(VmStatus status) implements PutOutcome {
    }

    /** The request's seq is lower than the stored one (B10): 409. */
    record StaleSeq(long requestedSeq, long currentSeq) implements PutOutcome {
    }

    /** Same seq as stored but different content (B10): 409. */
    record SeqReused(long seq) implements PutOutcome {
    }

    /**
     * The VM claims a device or address another VM on this host owns, or it is a new VM on a host that already
     * holds {@code sgagent.limits.vms-per-host} VMs (the message names the limit): 409.
     */
    record Conflict(String message) implements PutOutcome {
    }

    /** The kernel refused the transaction; the previous rules stay in force and nothing was stored: 503. */
    record Failed(String message) implements PutOutcome {
    }
}
