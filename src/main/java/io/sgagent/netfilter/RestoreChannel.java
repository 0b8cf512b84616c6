package io.sgagent.netfilter;

import io.sgagent.ruleset.Script;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
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
        check(runner.run(argv, stdin), family);
    }

    /** Writes {@code script} straight into the tool's input as it renders (see {@link Script}). */
    void write(List<String> argv, Script script, String family) throws KernelApplyException {
        check(runner.runFed(argv, stdin -> {
            try {
                script.writeTo(new LineCounter(stdin));
            } catch (UncheckedIOException e) {
                throw e.getCause(); // the tool stopped reading: ProcessRunner reports it with the tool's exit code
            }
        }), family);
    }

    private void check(ProcessResult result, String family) throws KernelApplyException {
        if (!result.ok()) {
            events.failed(family);
            throw new KernelApplyException(result.describe());
        }
    }

    /** Counts the lines on their way to the tool: the restore-lines metric, without a second pass over the text. */
    private final class LineCounter implements Script.Sink {
        private final Writer out;

        LineCounter(Writer out) {
            this.out = out;
        }

        @Override
        public Script.Sink append(CharSequence text) {
            String chars = text.toString();
            for (int at = chars.indexOf('\n'); at >= 0; at = chars.indexOf('\n', at + 1)) {
                lines.incrementAndGet(); // indexOf is a vectorised scan: the text is ~10 MB for a cold 1000-VM apply
            }
            try {
                out.write(chars);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        @Override
        public Script.Sink append(char c) {
            if (c == '\n') {
                lines.incrementAndGet();
            }
            try {
                out.append(c);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
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
