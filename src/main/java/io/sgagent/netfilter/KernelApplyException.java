package io.sgagent.netfilter;

/** The kernel refused a transaction; the message carries the tool's own words. Immutable once thrown. */
public class KernelApplyException extends Exception {
    public KernelApplyException(String message) {
        super(message);
    }
}
