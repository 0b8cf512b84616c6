package io.sgagent.reconcile;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link HostReconciler#repairDrift()} periodically on one daemon thread ({@code sgagent-drift}, the only
 * thread the agent starts). The check reads the kernel without the write lock; only a repair takes it, so a repair
 * never interleaves with an API write and a check never delays one.
 *
 * <p>Thread-safe: start and close are synchronised; the scheduler runs one check at a time.
 */
public class DriftRepairer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DriftRepairer.class);
    private final HostReconciler reconciler;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    public DriftRepairer(HostReconciler reconciler, Duration interval) {
        this.reconciler = reconciler;
        this.interval = interval;
    }

    public synchronized void start() {
        if (scheduler != null || interval.isZero() || interval.isNegative()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sgagent-drift");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        log.info("drift check every {}s", interval.toSeconds());
    }

    private void check() {
        try {
            reconciler.repairDrift();
        } catch (RuntimeException e) {
            log.error("drift check failed", e);
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }
}
