package io.sgagent.netfilter;

import io.sgagent.ruleset.IpFamily;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads how many connections each conntrack quota refused (issue 12): the packet counter of the rule that jumps
 * from a quota chain to the refusal chain, summed over IPv4 and IPv6. Two read-only {@code iptables-save -c}
 * processes, like {@link NetfilterExecutor#finalDropCounters}. A counter restarts at 0 when its chain is
 * rewritten (the quota changed, or drift repair restored it).
 *
 * <p>Thread-safe: stateless; each call runs read-only tools.
 */
public class QuotaCounters {
    private final ProcessRunner runner;

    public QuotaCounters(ProcessRunner runner) {
        this.runner = runner;
    }

    /** Refused packets per quota chain whose name starts with {@code chainPrefix} and rules jump to {@code target}. */
    public Map<String, Long> refusals(String chainPrefix, String target) {
        Map<String, Long> counters = new HashMap<>();
        for (IpFamily family : List.of(IpFamily.IPV4, IpFamily.IPV6)) {
            ProcessResult save = runner.run(List.of(family.saveTool(), "-c"), null);
            if (save.ok()) {
                parse(save.stdout(), chainPrefix, target, counters);
            }
        }
        return counters;
    }

    /** Adds {@code [packets:bytes] -A <chain> ... -j <target>} lines of matching chains to {@code counters}. */
    static void parse(String save, String chainPrefix, String target, Map<String, Long> counters) {
        String suffix = " -j " + target;
        for (String line : save.split("\n")) {
            int close = line.indexOf("] -A " + chainPrefix);
            if (!line.startsWith("[") || close < 0 || !line.endsWith(suffix)) {
                continue;
            }
            String rest = line.substring(close + 5);
            String chain = rest.substring(0, rest.indexOf(' '));
            String packets = line.substring(1, line.indexOf(':'));
            try {
                counters.merge(chain, Long.parseLong(packets), Long::sum);
            } catch (NumberFormatException e) {
                // not a counter line: ignore, like the other counter readers
            }
        }
    }
}
