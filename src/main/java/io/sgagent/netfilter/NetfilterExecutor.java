package io.sgagent.netfilter;

import io.sgagent.ruleset.FamilyRuleset;
import io.sgagent.ruleset.IpFamily;
import io.sgagent.ruleset.Ruleset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the kernel hold a {@link Ruleset}, in the order that keeps every step safe: sets first (a rule naming a
 * missing set is refused), then one transaction per family through its {@link TableWriter}, then the set
 * changes that relax enforcement (notrack members) once the rules that make them safe are in place.
 *
 * <p>Each family's transaction is atomic. If a later one fails, the families already written are put back to
 * the last ruleset that applied cleanly, so a failed apply leaves the previous rules in force (B9).
 *
 * <p>Thread-safety: {@link #apply}, {@link #applyFull} and {@link #adopt} must be called by one writer at a time
 * (the reconciler's write lock); {@code lastApplied} is volatile so a reader sees a whole ruleset. {@link #drift}
 * only reads and may run on any thread, also while a write is in progress.
 */
public class NetfilterExecutor {
    private static final Logger log = LoggerFactory.getLogger(NetfilterExecutor.class);

    private final RestoreChannel channel;
    private final IpsetWriter sets;
    private final Map<IpFamily, TableWriter> tables = new EnumMap<>(IpFamily.class);
    private final BridgeNetfilter bridgeNf;
    /** What the kernel holds of ours after the last successful apply; null until the first full apply. */
    private volatile Ruleset lastApplied;

    public NetfilterExecutor(CommandRunner runner, int xtablesWait) {
        this.channel = new RestoreChannel(runner);
        this.sets = new IpsetWriter(channel);
        for (IpFamily family : IpFamily.values()) {
            tables.put(family, new TableWriter(family, channel, xtablesWait));
        }
        this.bridgeNf = new BridgeNetfilter(runner);
    }

    /** Where fallbacks and refusals are reported (metrics). */
    public void events(ApplyEvents events) {
        channel.events(events);
    }

    /** Total restore lines written since start; a measure of how much kernel work applies cost. */
    public long restoreLines() {
        return channel.lines();
    }

    /**
     * Makes the kernel hold {@code desired}. After a first full apply, only what changed since the last
     * successful apply is written (work proportional to the change, not to the number of VMs); if that
     * fails — the kernel refused, or someone changed our objects behind our back — a full apply that reads the
     * kernel back is tried, and if that fails too, the previous ruleset is restored (B9).
     */
    public void apply(Ruleset desired) throws KernelApplyException {
        bridgeNf.ensure();
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
            channel.events().fellBackToFull();
            applyFull(desired, true);
        }
    }

    /** Rewrites all our objects from a fresh read-back of the kernel; used at start and by drift repair. */
    public void applyFull(Ruleset desired) throws KernelApplyException {
        bridgeNf.ensure();
        applyFull(desired, false);
    }

    /** The kernel is known to hold exactly {@code ruleset} (checked by {@link #drift}): adopt it as the base. */
    public void adopt(Ruleset ruleset) {
        lastApplied = ruleset;
    }

    private void applyIncremental(Ruleset previous, Ruleset desired) throws KernelApplyException {
        sets.writeDiff(previous.sets(), desired.sets(), false);
        for (int i = 0; i < desired.families().size(); i++) {
            FamilyRuleset family = desired.families().get(i);
            tables.get(family.family()).writeDiff(previous.families().get(i), family);
        }
        sets.writeDiff(previous.sets(), desired.sets(), true);
    }

    private void applyFull(Ruleset desired, boolean rollbackEverything) throws KernelApplyException {
        List<IpFamily> written = new ArrayList<>();
        try {
            sets.writeFull(desired.prefix(), desired.sets());
            for (FamilyRuleset family : desired.families()) {
                // Marked before the write: *-restore commits table by table, so a failure in the filter table
                // can leave the raw table already changed, and the rollback must cover this family too.
                written.add(family.family());
                tables.get(family.family()).writeFull(desired.prefix(), family);
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
        bridgeNf.drift(drifted);
        sets.drift(desired.prefix(), desired.sets(), drifted);
        for (FamilyRuleset family : desired.families()) {
            tables.get(family.family()).drift(desired.prefix(), family, drifted);
        }
        return drifted;
    }

    private void rollback(List<IpFamily> written) {
        Ruleset previous = lastApplied;
        if (previous == null) {
            return;
        }
        // Each family on its own: one that cannot be restored must not stop the others.
        List<String> failed = new ArrayList<>();
        try {
            sets.writeFull(previous.prefix(), previous.sets());
        } catch (KernelApplyException e) {
            failed.add("sets: " + e.getMessage());
        }
        for (FamilyRuleset family : previous.families()) {
            if (written.contains(family.family())) {
                try {
                    tables.get(family.family()).writeFull(previous.prefix(), family);
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
}
