package io.sgagent.reconcile;

import io.sgagent.netfilter.ApplyEvents;
import java.time.Duration;

/**
 * The one observer every part of the reconciler reports to; it forwards to whatever observer is installed
 * (metrics, once the registry exists) and turns the writers' events into observer calls.
 *
 * <p>Thread-safe: the target is replaced through a volatile field.
 */
final class ObserverRelay implements ApplyObserver, ApplyEvents {
    private volatile ApplyObserver target = ApplyObserver.NONE;

    void target(ApplyObserver observer) {
        this.target = observer;
    }

    @Override
    public void applied(Duration duration, boolean succeeded) {
        target.applied(duration, succeeded);
    }

    @Override
    public void vmsChanged() {
        target.vmsChanged();
    }

    @Override
    public void driftRepaired(String kind) {
        target.driftRepaired(kind);
    }

    @Override
    public void writeLockWaited(Duration waited) {
        target.writeLockWaited(waited);
    }

    @Override
    public void driftChecked(Duration duration) {
        target.driftChecked(duration);
    }

    @Override
    public void applyFellBack() {
        target.applyFellBack();
    }

    @Override
    public void applyFailed(String family) {
        target.applyFailed(family);
    }

    @Override
    public void fellBackToFull() {
        target.applyFellBack();
    }

    @Override
    public void failed(String family) {
        target.applyFailed(family);
    }
}
