package io.sgagent.netfilter;

import io.sgagent.ruleset.IpSet;
import io.sgagent.ruleset.IpsetRenderer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Owns our ipsets: reads their members back with {@code ipset save}, and writes one {@code ipset restore}
 * script per step (create-and-swap for rewritten sets, single add/del for incremental changes).
 *
 * <p>Thread-safe: holds no mutable state; writes are serialised by the single writer above it.
 */
final class IpsetWriter {
    static final String LABEL = "ipset";
    private static final List<String> RESTORE = List.of("ipset", "restore");
    private final RestoreChannel channel;

    IpsetWriter(RestoreChannel channel) {
        this.channel = channel;
    }

    /** Members of our sets as the kernel holds them; a set missing from the map does not exist. */
    Map<String, Set<String>> read(String prefix) throws KernelApplyException {
        return SaveParser.parseIpsets(channel.read(List.of("ipset", "save")), prefix);
    }

    /** Reads the kernel back and rebuilds every set whose membership differs. */
    void writeFull(String prefix, List<IpSet> desired) throws KernelApplyException {
        write(IpsetRenderer.render(desired, read(prefix)));
    }

    /** Single-member changes since {@code previous}: the half before the rules change, or the half after. */
    void writeDiff(List<IpSet> previous, List<IpSet> desired, boolean afterRules) throws KernelApplyException {
        write(IpsetRenderer.renderDiff(previous, desired, afterRules));
    }

    void drift(String prefix, List<IpSet> desired, List<String> drifted) throws KernelApplyException {
        Map<String, Set<String>> sets = read(prefix);
        for (IpSet set : desired) {
            if (!set.members().equals(sets.get(set.name()))) {
                drifted.add("set " + set.name());
            }
        }
    }

    private void write(String script) throws KernelApplyException {
        if (!script.isEmpty()) {
            channel.write(RESTORE, script, LABEL);
        }
    }
}
