package io.sgagent.netfilter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * The process boundary: runs one kernel tool with argv (never a shell string) and optional stdin. Production
 * uses {@link ProcessRunner}; root-free tests plug in a fake kernel here.
 *
 * <p>Implementations must be thread-safe: writers, the drift thread and metric reads call them concurrently.
 */
@FunctionalInterface
public interface CommandRunner {
    /** Runs {@code argv} in the managed namespace, feeding {@code stdin} (may be null); never throws for exit codes. */
    ProcessResult run(List<String> argv, String stdin);

    /** Writes a command's standard input as the command reads it, instead of handing it over as one String. */
    @FunctionalInterface
    interface StdinWriter {
        void write(Writer stdin) throws IOException;
    }

    /**
     * Runs {@code argv} with the input {@code stdin} writes, for inputs too big to hold as one String (a cold
     * restore of 1000 VMs is ~10 MB per family): the tool starts parsing while the rest is still being written.
     * This default (fake kernels) collects the input and calls {@link #run}; {@link ProcessRunner} pipes it.
     */
    default ProcessResult runFed(List<String> argv, StdinWriter stdin) {
        StringWriter text = new StringWriter();
        try {
            stdin.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return run(argv, text.toString());
    }

    /** Reads a command's standard output as it is consumed, instead of as one String. */
    @FunctionalInterface
    interface StdoutReader {
        void read(BufferedReader stdout) throws IOException;
    }

    /**
     * Runs {@code argv} without stdin and hands its standard output to {@code reader}, for outputs too big to hold
     * as one String (a conntrack listing of 200,000 entries is ~50 MB of text). The reader is called for every exit
     * code; the returned result has an empty stdout. This default (fake kernels) reads from {@link #run}'s String;
     * {@link ProcessRunner} streams the output file.
     */
    default ProcessResult runStreamed(List<String> argv, StdoutReader reader) {
        ProcessResult result = run(argv, null);
        try {
            reader.read(new BufferedReader(new StringReader(result.stdout())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ProcessResult(result.argv(), result.exitCode(), "", result.stderr());
    }
}
