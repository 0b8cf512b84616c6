package io.sgagent.netfilter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads conntrack pressure of the managed namespace: the entry count (per namespace), the limit
 * ({@code nf_conntrack_max}, host-wide) and the kernel's per-CPU statistics summed over CPUs.
 *
 * <p>Thread-safe: stateless; each call runs read-only tools.
 */
public class ConntrackClient {
    /** Statistics exported as counters; the others are always 0 on current kernels or not pressure signals. */
    public static final List<String> STATS = List.of("insert_failed", "drop", "early_drop", "invalid",
            "search_restart", "clash_resolve", "chaintoolong");

    private final ProcessRunner runner;

    public ConntrackClient(ProcessRunner runner) {
        this.runner = runner;
    }

    public record Figures(long entries, long limit, Map<String, Long> stats) {
    }

    public Figures read() {
        long entries = parseLong(runner.run(List.of("conntrack", "-C"), null).stdout().strip());
        long limit = readLimit();
        Map<String, Long> stats = sumStats(runner.run(List.of("conntrack", "-S"), null).stdout());
        return new Figures(entries, limit, stats);
    }

    /**
     * Sums {@code conntrack -S} lines ("cpu=0 found=0 invalid=3 ... chaintoolong=0") over CPUs. Only the
     * per-CPU counters are summed; the tool prints no global "entries" column here, so nothing is counted twice.
     */
    static Map<String, Long> sumStats(String output) {
        Map<String, Long> sums = new TreeMap<>();
        for (String stat : STATS) {
            sums.put(stat, 0L);
        }
        for (String line : output.split("\n")) {
            for (String field : line.strip().split("\\s+")) {
                int eq = field.indexOf('=');
                if (eq > 0) {
                    String key = field.substring(0, eq);
                    if (sums.containsKey(key)) {
                        sums.merge(key, parseLong(field.substring(eq + 1)), Long::sum);
                    }
                }
            }
        }
        return sums;
    }

    private static long readLimit() {
        try {
            return parseLong(Files.readString(Path.of("/proc/sys/net/netfilter/nf_conntrack_max")).strip());
        } catch (IOException e) {
            return -1;
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
