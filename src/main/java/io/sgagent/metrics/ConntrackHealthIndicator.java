package io.sgagent.metrics;

import io.sgagent.reconcile.ConntrackReport;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Conntrack pressure as health: at 90 % of the limit and above the status is {@code PRESSURE} (mapped to HTTP
 * 200 and ordered between DOWN and UP), never DOWN: a full table is the host's problem, and restarting the
 * agent would only make it worse. Liveness does not include this indicator.
 */
public class ConntrackHealthIndicator implements HealthIndicator {
    public static final Status PRESSURE = new Status("PRESSURE", "conntrack table at or above 90% of its limit");
    private final CachedConntrackReport conntrack;

    public ConntrackHealthIndicator(CachedConntrackReport conntrack) {
        this.conntrack = conntrack;
    }

    @Override
    public Health health() {
        ConntrackReport report = conntrack.get();
        Health.Builder builder = report.usage() >= 0.9 ? Health.status(PRESSURE) : Health.up();
        return builder.withDetail("entries", report.entries())
                .withDetail("limit", report.limit())
                .withDetail("usage", report.usage())
                .withDetail("notrackSetEntries", report.notrackSetEntries())
                .withDetail("stats", report.stats())
                .build();
    }
}
