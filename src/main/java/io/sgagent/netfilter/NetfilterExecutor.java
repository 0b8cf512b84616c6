package io.sgagent.netfilter;

import io.sgagent.ruleset.FamilyRuleset;
import io.sgagent.ruleset.IpFamily;
import io.sgagent.ruleset.IpsetRenderer;
import io.sgagent.ruleset.KernelTable;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Ruleset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link Ruleset} to the kernel: one {@code ipset restore}, then one {@code *-restore --noflush}
 * transaction per family (IPv4, IPv6, bridge). Order matters: sets are created before the rules that
 * reference them (a rule naming a missing set is refused by the kernel).
 *
 * <p>Each family's transaction is atomic. If a later one fails, the families already written are put back
 * to the last ruleset that applied cleanly, so a failed apply leaves the previous rules in force (B9).
 *
 * <p>Not thread-safe by design: the single writer in {@code reconcile} is its only caller for writes. The
 * read methods only run read-only tools and may be called from any thread.
 */
public class NetfilterExecutor {
    private static final Logger log = LoggerFactory.getLogger(NetfilterExecutor.class);
    private static final List<String> BRIDGE_NF_SYSCTLS = List.of(
            "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables");

    private final ProcessRunner runner;
    private final int xtablesWait;
    /** What the kernel holds of ours after the last successful apply; null until the first full apply. */
    private volatile Ruleset lastApplied;
    private final java.util.concurrent.atomic.AtomicLong restoreLines = new java.util.concurrent.atomic.AtomicLong();

    public NetfilterExecutor(ProcessRunner runner, int xtablesWait) {
        this.runner = runner;
        this.xtablesWait = xtablesWait;
    }

    public ProcessRunner runner() {
        return runner;
    }

    /** Total restore lines written since start; a measure of how much kernel work applies cost. */
    public long restoreLines() {
        return restoreLines.get();
    }

    /**
     * Makes the kernel hold {@code desired}. After a first full apply, only what changed since the last
     * successful apply is written (work proportional to the change, not to the number of VMs); if that
     * fails — the kernel refused, or someone changed our objects behind our back — a full apply that reads the
     * kernel back is tried, and if that fails too, the previous ruleset is restored (B9).
     */
    public void apply(Ruleset desired) throws KernelApplyException {
        ensureBridgeNetfilter();
        Ruleset previous = lastApplied;
        if (previous == null) {
            applyFull(desired, false);
            return;
        }
        try {
            applyIncremental(previous, desired);
            lastApplied = desired;
        } catch (KernelApplyException e) {
            log.warn("incremental apply failed, retrying as a full apply: {}", e.getMessage());
            applyFull(desired, true);
        }
    }

    /** Rewrites all our objects from a fresh read-back of the kernel; used at start and by drift repair. */
    public void applyFull(Ruleset desired) throws KernelApplyException {
        ensureBridgeNetfilter();
        applyFull(desired, false);
    }

    /** The kernel is known to hold exactly {@code ruleset} (checked by {@link #drift}): adopt it as the base. */
    public void adopt(Ruleset ruleset) {
        lastApplied = ruleset;
    }

    private void applyIncremental(Ruleset previous, Ruleset desired) throws KernelApplyException {
        String setsBefore = IpsetRenderer.renderDiff(previous.sets(), desired.sets(), false);
        if (!setsBefore.isEmpty()) {
            run(List.of("ipset", "restore"), setsBefore);
        }
        for (int i = 0; i < desired.families().size(); i++) {
            String payload = RestoreRenderer.renderDiff(previous.families().get(i), desired.families().get(i));
            if (!payload.isEmpty()) {
                run(restoreCommand(desired.families().get(i).family()), payload);
            }
        }
        String setsAfter = IpsetRenderer.renderDiff(previous.sets(), desired.sets(), true);
        if (!setsAfter.isEmpty()) {
            run(List.of("ipset", "restore"), setsAfter);
        }
    }

    private void applyFull(Ruleset desired, boolean rollbackEverything) throws KernelApplyException {
        List<IpFamily> written = new ArrayList<>();
        try {
            applySets(desired);
            for (FamilyRuleset family : desired.families()) {
                // Marked before the write: *-restore commits table by table, so a failure in the filter table
                // can leave the raw table already changed, and the rollback must cover this family too.
                written.add(family.family());
                applyFamily(desired.prefix(), family);
            }
            lastApplied = desired;
        } catch (KernelApplyException e) {
            rollback(rollbackEverything ? List.of(IpFamily.values()) : written);
            throw e;
        }
    }

    /**
     * Compares the kernel with {@code desired} without writing anything: our sets and their members, our
     * chains and their rules, our hook jumps and their position, the bridge-nf sysctls. Costs one read per
     * tool, so it can run every few seconds. Returns what differs, e.g. "chain ipv4/filter/sga-i-web".
     */
    public List<String> drift(Ruleset desired) throws KernelApplyException {
        List<String> drifted = new ArrayList<>();
        for (String key : BRIDGE_NF_SYSCTLS) {
            ProcessResult current = runner.run(List.of("sysctl", "-n", key), null);
            if (!current.ok() || !current.stdout().strip().equals("1")) {
                drifted.add("sysctl " + key);
            }
        }
        Map<String, Set<String>> sets = readSets(desired.prefix());
        for (var set : desired.sets()) {
            if (!set.members().equals(sets.get(set.name()))) {
                drifted.add("set " + set.name());
            }
        }
        for (FamilyRuleset family : desired.families()) {
            Map<String, KernelTable> kernel = read(family.family(), desired.prefix());
            for (var table : family.tables()) {
                String where = family.family().name().toLowerCase(java.util.Locale.ROOT) + "/" + table.table();
                KernelTable current = kernel.getOrDefault(table.table(), KernelTable.empty(table.table()));
                for (var hook : table.hooks()) {
                    if (!current.hookInPlace(hook)) {
                        drifted.add("hook " + where + "/" + hook.builtinChain());
                    }
                }
                Set<String> wanted = new java.util.HashSet<>();
                for (var chain : table.chains()) {
                    wanted.add(chain.name());
                    List<String> have = current.chainRules().get(chain.name());
                    if (have == null || !normalised(have).equals(normalised(RestoreRenderer.ruleLines(chain)))) {
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
        return drifted;
    }

    private static List<String> normalised(List<String> rules) {
        return rules.stream().map(ProtocolNames::normalise).toList();
    }

    /** Our objects as the kernel holds them now, per table, for one family. */
    public Map<String, KernelTable> read(IpFamily family, String prefix) throws KernelApplyException {
        ProcessResult save = runner.run(List.of(family.saveTool()), null);
        if (!save.ok()) {
            throw new KernelApplyException(save.describe());
        }
        return SaveParser.parse(save.stdout(), prefix);
    }

    /**
     * Packet and byte counters of the final rule of each of our chains whose last rule is an unconditional
     * DROP (the per-VM default-deny and anti-spoofing drops), summed over IPv4 and IPv6. Two read-only
     * processes. Counters restart at 0 when a chain is rewritten.
     */
    public Map<String, long[]> finalDropCounters(String prefix) {
        Map<String, long[]> counters = new java.util.HashMap<>();
        for (IpFamily family : List.of(IpFamily.IPV4, IpFamily.IPV6)) {
            ProcessResult save = runner.run(List.of(family.saveTool(), "-c"), null);
            if (!save.ok()) {
                continue;
            }
            Map<String, String> lastRule = new java.util.HashMap<>();
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
        Set<String> addresses = new java.util.HashSet<>();
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
    public Map<String, Set<String>> readSets(String prefix) throws KernelApplyException {
        ProcessResult save = runner.run(List.of("ipset", "save"), null);
        if (!save.ok()) {
            throw new KernelApplyException(save.describe());
        }
        return SaveParser.parseIpsets(save.stdout(), prefix);
    }

    private void applySets(Ruleset desired) throws KernelApplyException {
        String script = IpsetRenderer.render(desired.sets(), readSets(desired.prefix()));
        if (!script.isEmpty()) {
            run(List.of("ipset", "restore"), script);
        }
    }

    private void applyFamily(String prefix, FamilyRuleset family) throws KernelApplyException {
        String payload = RestoreRenderer.render(family, read(family.family(), prefix));
        run(restoreCommand(family.family()), payload);
    }

    private List<String> restoreCommand(IpFamily family) {
        if (family == IpFamily.BRIDGE) {
            return List.of(family.restoreTool(), "--noflush");
        }
        return List.of(family.restoreTool(), "-w", Integer.toString(xtablesWait), "--noflush");
    }

    private void run(List<String> argv, String stdin) throws KernelApplyException {
        restoreLines.addAndGet(stdin.chars().filter(c -> c == '\n').count());
        ProcessResult result = runner.run(argv, stdin);
        if (!result.ok()) {
            throw new KernelApplyException(result.describe());
        }
    }

    private void rollback(List<IpFamily> written) {
        Ruleset previous = lastApplied;
        if (previous == null) {
            return;
        }
        // Each family on its own: one that cannot be restored must not stop the others.
        List<String> failed = new ArrayList<>();
        try {
            applySets(previous);
        } catch (KernelApplyException e) {
            failed.add("sets: " + e.getMessage());
        }
        for (FamilyRuleset family : previous.families()) {
            if (written.contains(family.family())) {
                try {
                    applyFamily(previous.prefix(), family);
                } catch (KernelApplyException e) {
                    failed.add(family.family() + ": " + e.getMessage());
                }
            }
        }
        if (failed.isEmpty()) {
            log.warn("apply failed; restored the previous rules of {} and the previous sets", written);
        } else {
            log.error("apply failed and restoring the previous rules failed too: {}", failed);
        }
    }


    /** Bridged packets reach iptables only with these on (B8); they are per network namespace. */
    private void ensureBridgeNetfilter() throws KernelApplyException {
        ProcessResult both = runner.run(List.of("sysctl", "-n", BRIDGE_NF_SYSCTLS.get(0), BRIDGE_NF_SYSCTLS.get(1)),
                null);
        if (both.ok() && both.stdout().strip().equals("1\n1")) {
            return; // the common case costs one process
        }
        for (String key : BRIDGE_NF_SYSCTLS) {
            ProcessResult current = runner.run(List.of("sysctl", "-n", key), null);
            if (current.ok() && current.stdout().strip().equals("1")) {
                continue;
            }
            ProcessResult set = runner.run(List.of("sysctl", "-q", "-w", key + "=1"), null);
            if (!set.ok()) {
                throw new KernelApplyException("cannot enable " + key + " (is br_netfilter available?): "
                        + set.describe());
            }
            log.info("set {}=1", key);
        }
    }
}
