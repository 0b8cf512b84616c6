package io.sgagent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** What Prometheus scrapes: one series {@code sgagent_build_info{...} 1}. */
class BuildInfoMetricsTest {

    @Test
    void scrapesAsOneConstantSeriesWithVersionCommitAndBackend() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new BuildInfoMetrics("0.1.0", "b28b8c8", "nf_tables").bindTo(registry);
        assertThat(registry.scrape()).containsPattern(
                "(?m)^sgagent_build_info\\{commit=\"b28b8c8\",iptables=\"nf_tables\",version=\"0.1.0\"} 1(\\.0)?$");
    }

    @Test
    void missingBuildFactsAreLabelledUnknownNotDropped() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new BuildInfoMetrics(null, " ", "legacy").bindTo(registry);
        assertThat(registry.scrape()).containsPattern(
                "(?m)^sgagent_build_info\\{commit=\"unknown\",iptables=\"legacy\",version=\"unknown\"} 1(\\.0)?$");
    }
}
