package io.sgagent.metrics;

import io.sgagent.reconcile.HostReconciler;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** DOWN while the last kernel apply failed: the kernel does not hold what was last requested. */
public class NetfilterHealthIndicator implements HealthIndicator {
    private final HostReconciler reconciler;
    private final String namespace;

    public NetfilterHealthIndicator(HostReconciler reconciler, String namespace) {
        this.reconciler = reconciler;
        this.namespace = namespace.isBlank() ? "(own)" : namespace;
    }

    @Override
    public Health health() {
        Health.Builder builder = reconciler.lastApplySucceeded() ? Health.up() : Health.down();
        return builder.withDetail("namespace", namespace)
                .withDetail("lastApplySucceeded", reconciler.lastApplySucceeded())
                .withDetail("restoreLines", reconciler.executor().restoreLines())
                .build();
    }
}
