package io.sgagent.bench;

import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.model.HostState;
import io.sgagent.ruleset.IpsetRenderer;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Ruleset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One-VM updates through the agent, each followed by the raw floor of the same change: the very diff text the agent
 * writes (predicted with its own compiler and renderer) through {@code iptables-restore --noflush} and
 * {@code ip6tables-restore --noflush} (and ebtables when the diff touches bridge chains), started the way the agent
 * starts them ({@code ip netns exec}, stdin from a file). Agent and floor alternate in one loop, so both see the
 * same machine load, the same table size and the same conntrack table.
 *
 * <p>The floor re-applies the change the agent has just made: it rewrites the VM's chains with the content they
 * already have, so the kernel stays as the agent programmed it (a drift check finds nothing to repair).
 */
final class UpdateLoop {
    private static final String[][] RESTORE = {{"iptables-restore", "-w", "10", "--noflush"},
            {"ip6tables-restore", "-w", "10", "--noflush"}, {"ebtables-nft-restore", "--noflush"}};

    private final String netns;
    private final Supplier<HostState> host;
    private final Runnable nextVariant;
    private final Supplier<AgentProc.Response> put;
    private final RulesetCompiler compiler = new RulesetCompiler();

    /**
     * @param host        the desired state the agent holds now
     * @param nextVariant changes the updated VM's rule in {@code host} (without telling the agent)
     * @param put         sends the current {@code host} state of the updated VM to the agent
     */
    UpdateLoop(String netns, Supplier<HostState> host, Runnable nextVariant,
            Supplier<AgentProc.Response> put) {
        this.netns = netns;
        this.host = host;
        this.nextVariant = nextVariant;
        this.put = put;
    }

    /** Latencies of {@code count} agent updates and their floors, in ms; diff lines of the last one. */
    record Samples(List<Double> agent, List<Double> floor, int non200, long diffLines, boolean setsChanged) {
    }

    Samples run(int count) {
        List<Double> agentMs = new ArrayList<>();
        List<Double> floorMs = new ArrayList<>();
        int non200 = 0;
        long lines = 0;
        boolean sets = false;
        for (int k = 0; k < count; k++) {
            Ruleset before = compiler.compile(host.get());
            nextVariant.run();
            Ruleset after = compiler.compile(host.get());
            AgentProc.Response r = put.get();
            agentMs.add(r.millis());
            if (r.status() != 200) {
                non200++;
                System.err.println("[bench] update answered " + r.status() + ": " + Sh.abbreviate(r.body()));
            }
            sets |= !IpsetRenderer.renderDiff(before.sets(), after.sets(), false).isEmpty()
                    || !IpsetRenderer.renderDiff(before.sets(), after.sets(), true).isEmpty();
            double ms = 0;
            lines = 0;
            for (int f = 0; f < RESTORE.length; f++) {
                String diff = RestoreRenderer.renderDiff(before.families().get(f), after.families().get(f));
                if (!diff.isEmpty()) {
                    ms += Sh.inNsStdin(netns, diff, RESTORE[f]).orThrow().millis();
                    lines += diff.lines().count();
                }
            }
            floorMs.add(ms);
        }
        return new Samples(agentMs, floorMs, non200, lines, sets);
    }

    /** Agent updates back to back for {@code seconds}: {start second, latency ms} of each. */
    List<double[]> agentOnly(double seconds) {
        List<double[]> out = new ArrayList<>();
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < seconds * 1e9) {
            nextVariant.run();
            double start = (System.nanoTime() - t0) / 1e9;
            AgentProc.Response r = put.get();
            out.add(new double[] {start, r.status() == 200 ? r.millis() : Double.NaN});
        }
        return out;
    }
}
