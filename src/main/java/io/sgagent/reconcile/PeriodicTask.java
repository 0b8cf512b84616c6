package io.sgagent.reconcile;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a read-only task once at start and then periodically on its own daemon thread (the conntrack capacity
 * guard of issue 12). Lives in reconcile because that package owns every thread the agent starts; the task must
 * not write the kernel's rules (only the reconciler does).
 *
 * <p>Thread-safe: start/close are synchronized; the task runs on one thread, never concurrently with itself.
 */
public class PeriodicTask implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);
    private final String name;
    private final Duration interval;
    private final Runnable task;
    private ScheduledExecutorService scheduler;

    public PeriodicTask(String name, Duration interval, Runnable task) {
        this.name = name;
        this.interval = interval;
        this.task = task;
    }

    /** Runs the task now (on the caller's thread) and then every interval; a zero interval runs it only now. */
    public synchronized void start() {
        runOnce();
        if (scheduler != null || interval.isZero() || interval.isNegative()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::runOnce, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void runOnce() {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("{} failed", name, e);
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
