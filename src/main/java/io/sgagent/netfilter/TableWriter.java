package io.sgagent.netfilter;

import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.FamilyRuleset;
import io.sgagent.ruleset.HookJump;
import io.sgagent.ruleset.IpFamily;
import io.sgagent.ruleset.KernelTable;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Rule;
import io.sgagent.ruleset.Script;
import io.sgagent.ruleset.TableRules;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Owns our objects in one family's tables (iptables, ip6tables or ebtables): reads them back with
 * {@code *-save}, diffs them against the desired chains and writes the difference as one
 * {@code *-restore --noflush} transaction (all or nothing per table, B9). Only chains with our prefix and our
 * hook jumps are ever named (B8).
 *
 * <p>Thread-safe: holds no mutable state of its own; writes are serialised by the single writer above it, and
 * reads may run on any thread.
 */
final class TableWriter {
    private final IpFamily family;
    private final RestoreChannel channel;
    private final int xtablesWait;

    TableWriter(IpFamily family, RestoreChannel channel, int xtablesWait) {
        this.family = family;
        this.channel = channel;
        this.xtablesWait = xtablesWait;
    }

    IpFamily family() {
        return family;
    }

    String label() {
        return family.name().toLowerCase(Locale.ROOT);
    }

    /** Our objects as the kernel holds them now, per table. */
    Map<String, KernelTable> read(String prefix) throws KernelApplyException {
        return SaveParser.parse(channel.read(List.of(family.saveTool())), prefix);
    }

    /** Reads the kernel back and writes whatever makes it hold {@code desired}: chains, hooks, obsolete chains. */
    void writeFull(String prefix, FamilyRuleset desired) throws KernelApplyException {
        channel.write(restoreCommand(), RestoreRenderer.script(desired, read(prefix)), label());
    }

    /** Writes only the chains that changed since {@code previous}, which the kernel is assumed to hold. */
    void writeDiff(FamilyRuleset previous, FamilyRuleset desired) throws KernelApplyException {
        Script script = RestoreRenderer.diff(previous, desired);
        if (!script.isEmpty()) {
            channel.write(restoreCommand(), script, label());
        }
    }

    /** Adds to {@code drifted} each chain or hook of ours that differs from {@code desired}; writes nothing. */
    void drift(String prefix, FamilyRuleset desired, List<String> drifted) throws KernelApplyException {
        Map<String, KernelTable> kernel = read(prefix);
        for (TableRules table : desired.tables()) {
            String where = label() + "/" + table.table();
            KernelTable current = kernel.getOrDefault(table.table(), KernelTable.empty(table.table()));
            for (HookJump hook : table.hooks()) {
                if (!current.hookInPlace(hook)) {
                    drifted.add("hook " + where + "/" + hook.builtinChain());
                }
            }
            Set<String> wanted = new HashSet<>();
            for (Chain chain : table.chains()) {
                wanted.add(chain.name());
                List<String> have = current.chainRules().get(chain.name());
                if (have == null || !sameRules(have, chain)) {
                    drifted.add("chain " + where + "/" + chain.name());
                }
            }
            for (String own : current.ownChains()) {
                if (!wanted.contains(own)) {
                    drifted.add("chain " + where + "/" + own);
                }
            }
        }
    }

    /**
     * The one place that decides whether a kernel chain still holds what we wrote: the rule hashes the kernel lists
     * (each rule's {@code sga:<hash>} comment, or the digest of its text where a rule carries none) against the
     * hashes of the chain we compiled. Comparing hashes instead of rule text means the kernel's own spelling of a
     * match (protocol names, option order) never reads as drift.
     */
    static boolean sameRules(List<String> kernelLines, Chain chain) {
        List<String> wanted = chain.hashes();
        if (kernelLines.size() != wanted.size()) {
            return false;
        }
        String head = "-A " + chain.name() + " ";
        for (int i = 0; i < wanted.size(); i++) {
            String line = kernelLines.get(i);
            String listed = line.startsWith(head) ? line.substring(head.length()) : line;
            if (!Rule.hashOfListed(listed).equals(wanted.get(i))) {
                return false;
            }
        }
        return true;
    }

    private List<String> restoreCommand() {
        if (family == IpFamily.BRIDGE) {
            return List.of(family.restoreTool(), "--noflush");
        }
        return List.of(family.restoreTool(), "-w", Integer.toString(xtablesWait), "--noflush");
    }
}
