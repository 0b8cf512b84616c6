package io.sgagent.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How long a write waits while a drift check runs. The agent's own metrics say it directly when it has them
 * ({@code sgagent_write_lock_wait_seconds}, {@code sgagent_drift_check_seconds}); without them the benchmark sends
 * one-VM updates back to back over several drift intervals and reports how far the slowest exceed the median, next
 * to what a drift check has to read (the four {@code *-save} dumps of the namespace, timed here).
 */
final class DriftHold {
    private DriftHold() {
    }

    static void measure(AgentProc agent, UpdateLoop loop, String netns, Results r, double seconds) {
        r.driftSaveMs = timeSaves(netns);
        Map<String, Double> m0 = agent.metrics();
        List<double[]> puts = loop.agentOnly(seconds);
        Map<String, Double> m1 = agent.metrics();
        List<Double> ms = new ArrayList<>();
        for (double[] p : puts) {
            if (!Double.isNaN(p[1])) {
                ms.add(p[1]);
            }
        }
        r.driftWindowSeconds = seconds;
        r.driftWindowPuts = Stats.of(ms);
        r.driftPutExcessMs = r.driftWindowPuts.max() - r.driftWindowPuts.p50();
        r.driftMetricsPresent = m1.keySet().stream().anyMatch(k -> k.startsWith("sgagent_write_lock_wait_seconds"));
        if (r.driftMetricsPresent) {
            double waits = delta(m0, m1, "sgagent_write_lock_wait_seconds_count");
            r.lockWaitMeanMs = delta(m0, m1, "sgagent_write_lock_wait_seconds_sum") * 1000 / waits;
            r.lockWaitMaxMs = AgentProc.metric(m1, "sgagent_write_lock_wait_seconds_max", null) * 1000;
        }
        double checks = delta(m0, m1, "sgagent_drift_check_seconds_count");
        if (checks > 0) {
            r.driftChecks = checks;
            r.driftCheckMeanMs = delta(m0, m1, "sgagent_drift_check_seconds_sum") * 1000 / checks;
            r.driftCheckMaxMs = AgentProc.metric(m1, "sgagent_drift_check_seconds_max", null) * 1000;
        }
        HypervisorBenchmark.log(String.format("  %d updates in %.0f s: p50 %.0f ms, max %.0f ms (max - p50 = %.0f ms);"
                        + " the dumps a drift check reads take %.0f ms%s", ms.size(), seconds, r.driftWindowPuts.p50(),
                r.driftWindowPuts.max(), r.driftPutExcessMs, r.driftSaveMs, r.driftMetricsPresent
                        ? String.format("; lock wait mean %.1f ms, max %.1f ms; drift check mean %.0f ms",
                        r.lockWaitMeanMs, r.lockWaitMaxMs, r.driftCheckMeanMs) : "; no lock-wait metric"));
    }

    /** iptables-save + ip6tables-save + ipset save + ebtables-nft-save of the namespace, median of 3, in ms. */
    private static double timeSaves(String netns) {
        List<Double> runs = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            double ms = 0;
            for (String[] tool : new String[][] {{"iptables-save"}, {"ip6tables-save"}, {"ipset", "save"},
                    {"ebtables-nft-save"}}) {
                ms += Sh.inNs(netns, tool).orThrow().millis();
            }
            runs.add(ms);
        }
        return Stats.of(runs).p50();
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return AgentProc.metric(after, name, null) - AgentProc.metric(before, name, null);
    }
}
