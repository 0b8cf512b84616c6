package io.sgagent.metrics;

import io.sgagent.reconcile.ConntrackReport;
import io.sgagent.reconcile.SecurityGroupService;
import java.time.Clock;
import java.time.Duration;

/**
 * The conntrack figures, read from the kernel at most once per TTL however many gauges or scrapes ask, so a
 * scrape runs at most three short read-only processes and never touches the writer.
 *
 * <p>Thread-safe: see {@link CachedValue}; the cached report is immutable.
 */
public class CachedConntrackReport {
    private final CachedValue<ConntrackReport> cached;

    public CachedConntrackReport(SecurityGroupService service, Clock clock, Duration ttl) {
        this.cached = new CachedValue<>(service::conntrack, ttl);
    }

    public ConntrackReport get() {
        return cached.get();
    }
}
