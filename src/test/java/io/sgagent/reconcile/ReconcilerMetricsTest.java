package io.sgagent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.fixtures.FakeKernel;
import io.sgagent.fixtures.InMemoryStateStore;
import io.sgagent.metrics.CachedConntrackReport;
import io.sgagent.metrics.SgAgentMetrics;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelReader;
import io.sgagent.netfilter.NetfilterExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 11's meters, as Prometheus names, fed by a reconciler on a fake kernel. */
class ReconcilerMetricsTest {

    @Test
    void lockWaitDriftCheckFallbacksAndFailuresByFamilyAreExported() throws Exception {
        FakeKernel kernel = new FakeKernel();
        NetfilterExecutor executor = new NetfilterExecutor(kernel, 10);
        HostReconciler reconciler = new HostReconciler(new RulesetCompiler(), executor, new ConntrackClient(kernel),
                new KernelReader(kernel), new InMemoryStateStore(), Clock.systemUTC(), 10);
        SgAgentMetrics metrics = new SgAgentMetrics(reconciler,
                new CachedConntrackReport(reconciler, Clock.systemUTC(), Duration.ofSeconds(2)),
                executor::restoreLines, Map::of);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.bindTo(registry);
        reconciler.observe(metrics);
        reconciler.start();

        reconciler.put(HostReconcilerTest.web(1, 22));
        kernel.failNthCall("ip6tables-restore", 1);
        reconciler.put(HostReconcilerTest.web(2, 80));
        reconciler.repairDrift();

        String scrape = registry.scrape();
        assertThat(scrape).contains("sgagent_write_lock_wait_seconds_count 3\n", // start + two puts
                "sgagent_drift_check_seconds_count 1\n",
                "sgagent_apply_fallbacks_total 1.0",
                "sgagent_apply_failures_total{family=\"ipv6\"} 1.0",
                "sgagent_apply_failures_total{family=\"ipv4\"} 0.0");
    }
}
