package io.sgagent.netfilter;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counts the conntrack entries of given addresses in one pass over the managed namespace's table (issue 12):
 * the per-VM "current" figure of quotas and the capacity guard's top talkers. {@code conntrack -C} cannot
 * filter and {@code conntrack -L -s/-d} per address costs one full table walk per address, so this lists the
 * table once per family and counts the original source and destination of each entry. At 200k entries that is
 * one process and ~50 MB of text, read line by line as it is counted (holding it as one String grew the
 * committed heap by its size for good): callers cache the result and never run it in the write path.
 *
 * <p>Thread-safe: stateless; each call runs read-only tools.
 */
public class ConntrackCensus {
    private final CommandRunner runner;

    public ConntrackCensus(CommandRunner runner) {
        this.runner = runner;
    }

    /**
     * @param entries  entries listed (both families)
     * @param perAddress entries whose original source or destination is the address, for each address asked
     *                 about that has any (an entry between two of them counts for both)
     */
    public record Census(long entries, Map<String, Long> perAddress) {
    }

    /** @param addresses canonical address texts (as conntrack prints them) to count entries of */
    public Census count(Set<String> addresses) {
        long[] entries = {0};
        Map<String, Long> counts = new HashMap<>();
        for (String family : List.of("ipv4", "ipv6")) {
            runner.runStreamed(List.of("conntrack", "-L", "-f", family), stdout -> {
                for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
                    if (countLine(line, addresses, counts)) {
                        entries[0]++;
                    }
                }
            });
        }
        return new Census(entries[0], counts);
    }

    /** Counts the first src= and dst= of one entry line (the original direction); false if not an entry. */
    static boolean countLine(String line, Set<String> addresses, Map<String, Long> counts) {
        String src = value(line, " src=");
        String dst = value(line, " dst=");
        if (src == null || dst == null) {
            return false;
        }
        if (addresses.contains(src)) {
            counts.merge(src, 1L, Long::sum);
        }
        if (!dst.equals(src) && addresses.contains(dst)) {
            counts.merge(dst, 1L, Long::sum);
        }
        return true;
    }

    private static String value(String line, String key) {
        int at = line.indexOf(key);
        if (at < 0) {
            return null;
        }
        int from = at + key.length();
        int to = line.indexOf(' ', from);
        return line.substring(from, to < 0 ? line.length() : to);
    }

    /** Hash buckets of the conntrack table (nf_conntrack_buckets), as the managed namespace sees it; -1 if unknown. */
    public long buckets() {
        ProcessResult result = runner.run(List.of("sysctl", "-n", "net.netfilter.nf_conntrack_buckets"), null);
        try {
            return result.ok() ? Long.parseLong(result.stdout().strip()) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
