package io.sgagent.cloudstack;

/** The expected outcomes of one CloudStack call, as values; the controller maps each to one HTTP answer. */
sealed interface CloudStackResult {

    /**
     * The call did what CloudStack asked (or found it already done). {@code exitCode} is the script's exit code:
     * 0, or for {@code verify_network_rules} 2-5 naming the missing part. {@code agentSeq} is the seq of the VM in
     * the agent afterwards, null when the VM is not (or no longer) programmed.
     */
    record Done(String outcome, String message, int exitCode, Long agentSeq) implements CloudStackResult {
        Done(String outcome, String message, Long agentSeq) {
            this(outcome, message, 0, agentSeq);
        }
    }

    /** The rules were not programmed; the previous rules of the VM, if any, stay in force. */
    record Refused(Reason reason, String message) implements CloudStackResult {
    }

    enum Reason {
        /** The call names a VM or NIC the agent does not know, and cannot be carried out without it (404). */
        UNKNOWN_VM,
        /** The VM claims a device or address another VM on this host owns, or a limit is reached (409). */
        CONFLICT,
        /** The kernel refused the transaction (503). */
        KERNEL_FAILED,
        /** The kernel was programmed but the adapter's view could not be stored (500); the next resync repairs it. */
        STORAGE_FAILED
    }
}
