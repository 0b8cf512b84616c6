package io.sgagent.netfilter;

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
}
