package io.sgagent.testbed;

/** What a probe observed on the wire. Only {@link #SUCCESS} means the exchange completed. */
public enum ProbeResult {
    /** Handshake / echo completed and the payload came back intact. */
    SUCCESS,
    /** Nothing (usable) came back before the probe deadline: typical for DROP. */
    TIMEOUT,
    /** Active refusal: TCP RST or ICMP port unreachable (e.g. REJECT, or no listener). */
    REFUSED,
    /** ICMP(v6) destination unreachable / prohibited / time exceeded, or the local stack refused to send. */
    UNREACHABLE,
    /** Something came back, but not the echo that was sent. */
    MISMATCH;

    public boolean ok() {
        return this == SUCCESS;
    }

    static ProbeResult fromExitCode(int code) {
        return switch (code) {
            case 0 -> SUCCESS;
            case 1 -> TIMEOUT;
            case 2 -> REFUSED;
            case 3 -> UNREACHABLE;
            case 4 -> MISMATCH;
            default -> null;
        };
    }
}
