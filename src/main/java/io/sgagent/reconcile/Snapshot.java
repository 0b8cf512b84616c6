package io.sgagent.reconcile;

import io.sgagent.model.Family;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.compiler.NotrackPolicy;
import io.sgagent.ruleset.Ruleset;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything reads need, replaced as a whole after each successful write: the programmed host state, each VM's
 * status, and the compiled ruleset. Immutable (thread-safe by construction),
 * so GETs, metrics and the drift check read it without a lock.
 */
record Snapshot(HostState host, Map<String, VmStatus> statuses, Ruleset ruleset) {
    Snapshot {
        statuses = Map.copyOf(statuses);
    }

    /** A state not yet programmed: every status without an appliedAt. */
    static Snapshot unapplied(HostState host, Ruleset ruleset) {
        Map<String, VmStatus> statuses = new HashMap<>();
        for (Vm vm : host.vms().values()) {
            statuses.put(vm.name(), status(vm, null));
        }
        return new Snapshot(host, statuses, ruleset);
    }

    /** This snapshot with every not-yet-applied status marked applied at {@code now}. */
    Snapshot appliedAt(Instant now) {
        Map<String, VmStatus> next = new HashMap<>(statuses);
        next.replaceAll((name, status) -> status.appliedAt() == null ? status(status.vm(), now) : status);
        return new Snapshot(host, next, ruleset);
    }

    static VmStatus status(Vm vm, Instant appliedAt) {
        return new VmStatus(vm, NotrackPolicy.untracked(vm, Family.IPV4), NotrackPolicy.untracked(vm, Family.IPV6),
                appliedAt);
    }
}
