package io.sgagent.reconcile;

import java.time.Duration;

/**
 * Told about every kernel apply, so metrics can be kept without the reconciler knowing a metrics library.
 * Called on the writer thread; implementations must be quick and must not throw.
 */
public interface ApplyObserver {
    ApplyObserver NONE = (duration, succeeded) -> { };

    void applied(Duration duration, boolean succeeded);

    /** The programmed VMs may have changed (called after readers can see the new state). */
    default void vmsChanged() {
    }

    /** A drifted kernel object was repaired; {@code kind} is "chain", "hook", "set" or "sysctl". */
    default void driftRepaired(String kind) {
    }
}
