package io.sgagent.netfilter;

import java.util.List;

/** The outcome of one kernel tool invocation. An immutable value, safe to share between threads. */
public record ProcessResult(List<String> argv, int exitCode, String stdout, String stderr) {
    public boolean ok() {
        return exitCode == 0;
    }

    /** A one-line description for errors: the command and what it said on stderr. */
    public String describe() {
        String message = stderr.isBlank() ? stdout : stderr;
        return String.join(" ", argv) + " exited " + exitCode + ": " + message.strip();
    }
}
