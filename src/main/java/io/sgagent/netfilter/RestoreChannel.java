package io.sgagent.netfilter;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way writers hand a transaction to a restore tool: counts the lines written (a measure of kernel work)
 * and reports a refusal, labelled by family, before turning it into a {@link KernelApplyException}.
 *
 * <p>Thread-safe: the line count is atomic; the events sink is replaced through a volatile field.
 */
final class RestoreChannel {
    private final CommandRunner runner;
    private final AtomicLong lines = new AtomicLong();
    private volatile ApplyEvents events = ApplyEvents.NONE;

    RestoreChannel(CommandRunner runner) {
        this.runner = runner;
    }

    CommandRunner runner() {
        return runner;
    }

    long lines() {
        return lines.get();
    }

    ApplyEvents events() {
        return events;
    }

    void events(ApplyEvents sink) {
        this.events = sink;
    }

    void write(List<String> argv, String stdin, String family) throws KernelApplyException {
        lines.addAndGet(stdin.chars().filter(c -> c == '\n').count());
        ProcessResult result = runner.run(argv, stdin);
        if (!result.ok()) {
            events.failed(family);
            throw new KernelApplyException(result.describe());
        }
    }

    /** Runs a read-only tool; a failure means the kernel cannot be read, which callers treat as an error. */
    String read(List<String> argv) throws KernelApplyException {
        ProcessResult result = runner.run(argv, null);
        if (!result.ok()) {
            throw new KernelApplyException(result.describe());
        }
        return result.stdout();
    }
}
