package io.sgagent.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
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
    private final ConntrackCapacityGuard guard;

    public ConntrackHealthIndicator(CachedConntrackReport conntrack) {
        this(conntrack, null);
    }

    /** With the capacity guard's last sample as details (issue 12); {@code guard} may be null. */
    public ConntrackHealthIndicator(CachedConntrackReport conntrack, ConntrackCapacityGuard guard) {
        this.conntrack = conntrack;
        this.guard = guard;
    }

    @Override
    public Health health() {
        ConntrackReport report = conntrack.get();
        Health.Builder builder = report.usage() >= 0.9 ? Health.status(PRESSURE) : Health.up();
        builder.withDetail("entries", report.entries())
                .withDetail("limit", report.limit())
                .withDetail("usage", report.usage())
                .withDetail("notrackSetEntries", report.notrackSetEntries())
                .withDetail("stats", report.stats());
        if (guard != null && guard.snapshot().at() != null) {
            ConntrackCapacityGuard.Snapshot sample = guard.snapshot();
            Map<String, Long> top = new LinkedHashMap<>();
            sample.top().forEach(e -> top.put(e.getKey(), e.getValue()));
            // JSON has no Infinity/NaN: "not growing" and "unknown yet" are spelled out.
            double toFull = sample.secondsToFull();
            builder.withDetail("buckets", sample.buckets())
                    .withDetail("timeToFullSeconds", Double.isNaN(toFull) ? "unknown"
                            : Double.isInfinite(toFull) ? "not growing" : (Object) Math.round(toFull))
                    .withDetail("topTalkers", top)
                    .withDetail("sampledAt", sample.at().toString());
        }
        return builder.build();
    }
}
