package io.sgagent.reconcile;

import java.time.Duration;

/**
 * Told about every kernel apply, lock wait and drift check, so metrics can be kept without the reconciler
 * knowing a metrics library. Called on request threads and the drift thread; implementations must be
 * thread-safe, quick, and must not throw.
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

    /** How long a write (or whole-host work) waited before a holder of the write lock took it up. */
    default void writeLockWaited(Duration waited) {
    }

    /** How long one drift check took, reading the kernel included (and the repair, if it repaired). */
    default void driftChecked(Duration duration) {
    }

    /** An incremental apply failed and a full apply was tried instead. */
    default void applyFellBack() {
    }

    /** A family's transaction was refused; {@code family} is "ipv4", "ipv6", "bridge" or "ipset". */
    default void applyFailed(String family) {
    }
}
