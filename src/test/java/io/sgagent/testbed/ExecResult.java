package io.sgagent.testbed;

import java.util.List;

/**
 * Outcome of one external command run by the testbed.
 *
 * @param command  the argv that was executed (after tool resolution)
 * @param exitCode process exit code, or {@code -1} if it was killed because of the timeout
 * @param stdout   everything the command wrote to stdout
 * @param stderr   everything the command wrote to stderr
 * @param timedOut whether the command exceeded its timeout and was killed
 */
public record ExecResult(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {

    public ExecResult {
        command = List.copyOf(command);
        stdout = stdout == null ? "" : stdout;
        stderr = stderr == null ? "" : stderr;
    }

    /** {@code true} iff the command finished in time with exit code 0. */
    public boolean ok() {
        return !timedOut && exitCode == 0;
    }

    /** Returns {@code this} if {@link #ok()}, otherwise throws {@link CommandFailedException}. */
    public ExecResult orThrow() {
        if (!ok()) {
            throw new CommandFailedException(this);
        }
        return this;
    }

    /** stdout split into non-blank, trimmed lines. */
    public List<String> lines() {
        return stdout.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** Human-readable description used in exception messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(timedOut ? "command timed out" : "command failed (exit " + exitCode + ")")
                .append(": ").append(String.join(" ", command));
        if (!stderr.isBlank()) {
            sb.append("\n  stderr: ").append(stderr.strip());
        }
        if (!stdout.isBlank()) {
            String out = stdout.strip();
            sb.append("\n  stdout: ").append(out.length() > 2000 ? out.substring(0, 2000) + "..." : out);
        }
        return sb.toString();
    }

    /** Thrown when a command that had to succeed did not. */
    public static final class CommandFailedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        private final transient ExecResult result;

        public CommandFailedException(ExecResult result) {
            super(result.describe());
            this.result = result;
        }

        public ExecResult result() {
            return result;
        }
    }
}
