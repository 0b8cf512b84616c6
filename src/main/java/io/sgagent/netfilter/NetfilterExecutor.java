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
 * missing set is refused), then one transaction per family through its {@link TableWriter} — the families side by
 * side, since they are separate tables written by separate tools — then the set changes that relax enforcement
 * (notrack members) once the rules that make them safe are in place.
 *
 * <p>Each family's transaction is atomic. If one fails, every family is put back to the last ruleset that applied
 * cleanly, so a failed apply leaves the previous rules in force (B9).
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
        Ruleset previous = lastApplied;
        if (previous == null) {
            bridgeNf.ensure();
            applyFull(desired, false);
            return;
        }
        try {
            applyIncremental(previous, desired);
            lastApplied = desired;
        } catch (BridgeNfRefused e) {
            // The rules were written, but without bridge-nf bridged packets would bypass them: put the previous
            // rules back and fail the write, as when the check ran first.
            rollback(List.of(IpFamily.values()));
            throw e.cause;
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

    /**
     * The families are written side by side (separate tables, separate tools: {@link ToolCalls}), and the
     * bridge-nf check runs next to them instead of before them; the set changes that must precede or follow the
     * rules stay before and after. Every call ends before this returns, so a failure never leaves a write running.
     */
    private void applyIncremental(Ruleset previous, Ruleset desired) throws KernelApplyException {
        sets.writeDiff(previous.sets(), desired.sets(), false);
        List<ToolCalls.Call<Void>> calls = new ArrayList<>();
        for (int i = 0; i < desired.families().size(); i++) {
            FamilyRuleset before = previous.families().get(i);
            FamilyRuleset after = desired.families().get(i);
            calls.add(() -> {
                tables.get(after.family()).writeDiff(before, after);
                return null;
            });
        }
        calls.add(() -> {
            try {
                bridgeNf.ensure();
            } catch (KernelApplyException e) {
                throw new BridgeNfRefused(e);
            }
            return null;
        });
        List<ToolCalls.Outcome<Void>> outcomes = ToolCalls.all(calls);
        KernelApplyException bridge = outcomes.get(outcomes.size() - 1).failure();
        if (bridge != null) {
            throw bridge;
        }
        for (ToolCalls.Outcome<Void> outcome : outcomes) {
            if (!outcome.ok()) {
                throw outcome.failure();
            }
        }
        sets.writeDiff(previous.sets(), desired.sets(), true);
    }

    /** bridge-nf could not be turned on: the write fails, without a full-apply retry (it would fail the same way). */
    private static final class BridgeNfRefused extends KernelApplyException {
        private final KernelApplyException cause;

        BridgeNfRefused(KernelApplyException cause) {
            super(cause.getMessage());
            this.cause = cause;
        }
    }

    private void applyFull(Ruleset desired, boolean rollbackEverything) throws KernelApplyException {
        try {
            sets.writeFull(desired.prefix(), desired.sets());
        } catch (KernelApplyException e) {
            rollback(rollbackEverything ? List.of(IpFamily.values()) : List.of());
            throw e;
        }
        // Each family reads its tables back and writes them, side by side. *-restore commits table by table, so
        // a family that fails may have changed some of its tables: every family is rolled back on any failure.
        List<ToolCalls.Call<Void>> calls = new ArrayList<>();
        for (FamilyRuleset family : desired.families()) {
            calls.add(() -> {
                tables.get(family.family()).writeFull(desired.prefix(), family);
                return null;
            });
        }
        for (ToolCalls.Outcome<Void> outcome : ToolCalls.all(calls)) {
            if (!outcome.ok()) {
                rollback(List.of(IpFamily.values()));
                throw outcome.failure();
            }
        }
        lastApplied = desired;
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
