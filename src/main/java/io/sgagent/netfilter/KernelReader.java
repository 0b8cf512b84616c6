package io.sgagent.netfilter;

import io.sgagent.ruleset.IpFamily;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Read-only questions about the managed namespace that no write depends on: drop counters, the host's own
 * addresses, whether anything of ours is there at all. Never waits for a writer.
 *
 * <p>Thread-safe: stateless; runs read-only tools.
 */
public class KernelReader {
    private final CommandRunner runner;

    public KernelReader(CommandRunner runner) {
        this.runner = runner;
    }

    /**
     * Packet and byte counters of the final rule of each of our chains whose last rule is an unconditional
     * DROP (the per-VM default-deny and anti-spoofing drops), summed over IPv4 and IPv6. Two read-only
     * processes. Counters restart at 0 when a chain is rewritten.
     */
    public Map<String, long[]> finalDropCounters(String prefix) {
        Map<String, long[]> counters = new HashMap<>();
        for (IpFamily family : List.of(IpFamily.IPV4, IpFamily.IPV6)) {
            ProcessResult save = runner.run(List.of(family.saveTool(), "-c"), null);
            if (!save.ok()) {
                continue;
            }
            Map<String, String> lastRule = new HashMap<>();
            for (String line : save.stdout().split("\n")) {
                int close = line.indexOf("] -A " + prefix);
                if (line.startsWith("[") && close > 0) {
                    String rest = line.substring(close + 5);
                    lastRule.put(rest.substring(0, rest.indexOf(' ')), line);
                }
            }
            for (var entry : lastRule.entrySet()) {
                String line = entry.getValue();
                if (line.endsWith(" -j DROP") && line.indexOf(" -", line.indexOf("-A ") + 3) == line.length() - 8) {
                    String[] packetsBytes = line.substring(1, line.indexOf(']')).split(":");
                    long[] sum = counters.computeIfAbsent(entry.getKey(), k -> new long[2]);
                    sum[0] += Long.parseLong(packetsBytes[0]);
                    sum[1] += Long.parseLong(packetsBytes[1]);
                }
            }
        }
        return counters;
    }

    /** The managed namespace's own addresses (the hypervisor's), as {@code ip} prints them. */
    public Set<String> localAddresses() {
        Set<String> addresses = new HashSet<>();
        ProcessResult result = runner.run(List.of("ip", "-o", "addr", "show"), null);
        for (String line : result.stdout().split("\n")) {
            String[] fields = line.strip().split("\\s+");
            for (int i = 0; i + 1 < fields.length; i++) {
                if (fields[i].equals("inet") || fields[i].equals("inet6")) {
                    addresses.add(fields[i + 1].replaceAll("/.*", ""));
                }
            }
        }
        return addresses;
    }

    /** True if the managed namespace holds any set or IPv4 chain of ours (it was programmed before). */
    public boolean holdsOwnObjects(String prefix) {
        ProcessResult sets = runner.run(List.of("ipset", "list", "-n"), null);
        if (sets.ok() && sets.stdout().lines().anyMatch(name -> name.startsWith(prefix))) {
            return true;
        }
        ProcessResult rules = runner.run(List.of(IpFamily.IPV4.saveTool()), null);
        return rules.ok() && rules.stdout().lines().anyMatch(line -> line.startsWith(":" + prefix));
    }

    /** Members of our sets as the kernel holds them; a set missing from the map does not exist. */
    public Map<String, Set<String>> sets(String prefix) throws KernelApplyException {
        ProcessResult save = runner.run(List.of("ipset", "save"), null);
        if (!save.ok()) {
            throw new KernelApplyException(save.describe());
        }
        return SaveParser.parseIpsets(save.stdout(), prefix);
    }
}
