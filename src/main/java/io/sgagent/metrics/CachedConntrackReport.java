package io.sgagent.metrics;

import io.sgagent.reconcile.ConntrackReport;
import io.sgagent.reconcile.SecurityGroupService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The conntrack figures, read from the kernel at most once per TTL however many gauges or scrapes ask, so a
 * scrape runs at most three short read-only processes and never touches the writer.
 *
 * <p>Thread-safe: {@code get} is synchronized; the cached report is immutable.
 */
public class CachedConntrackReport {
    private final SecurityGroupService service;
    private final Clock clock;
    private final Duration ttl;
    private ConntrackReport cached;
    private Instant readAt = Instant.MIN;

    public CachedConntrackReport(SecurityGroupService service, Clock clock, Duration ttl) {
        this.service = service;
        this.clock = clock;
        this.ttl = ttl;
    }

    public synchronized ConntrackReport get() {
        Instant now = clock.instant();
        if (cached == null || !now.isBefore(readAt.plus(ttl))) {
            cached = service.conntrack();
            readAt = now;
        }
        return cached;
    }
}
