package io.sgagent.cloudstack;

import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.reconcile.Actor;
import io.sgagent.reconcile.ConntrackReport;
import io.sgagent.reconcile.DeleteOutcome;
import io.sgagent.reconcile.PutOutcome;
import io.sgagent.reconcile.ReplaceOutcome;
import io.sgagent.reconcile.SecurityGroupService;
import io.sgagent.reconcile.VmStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The agent's service in memory, with its seq rules (B10) and host conflicts, recording every write. A test can
 * make the next writes fail like a refusing kernel ({@link #failing}).
 */
final class FakeService implements SecurityGroupService {
    final Map<String, Vm> stored = new TreeMap<>();
    final List<Vm> puts = new CopyOnWriteArrayList<>();
    final List<String> deletes = new CopyOnWriteArrayList<>();
    /** Who each write was for, in call order (the audit log's actor). */
    final List<Actor> actors = new CopyOnWriteArrayList<>();
    String failing;

    @Override
    public PutOutcome put(Vm vm, Actor actor) {
        actors.add(actor);
        return put(vm);
    }

    @Override
    public DeleteOutcome delete(String name, Actor actor) {
        actors.add(actor);
        return delete(name);
    }

    @Override
    public synchronized PutOutcome put(Vm vm) {
        puts.add(vm);
        Vm previous = stored.get(vm.name());
        if (previous != null && vm.seq() < previous.seq()) {
            return new PutOutcome.StaleSeq(vm.seq(), previous.seq());
        }
        if (previous != null && vm.seq() == previous.seq()) {
            return vm.sameContent(previous) ? new PutOutcome.Unchanged(status(previous))
                    : new PutOutcome.SeqReused(vm.seq());
        }
        try {
            new HostState(new TreeMap<>(stored)).with(vm);
        } catch (HostState.HostConflictException e) {
            return new PutOutcome.Conflict(e.getMessage());
        }
        if (failing != null) {
            return new PutOutcome.Failed(failing);
        }
        stored.put(vm.name(), vm);
        return new PutOutcome.Applied(status(vm));
    }

    @Override
    public synchronized DeleteOutcome delete(String name) {
        deletes.add(name);
        if (failing != null && stored.containsKey(name)) {
            return new DeleteOutcome.Failed(failing);
        }
        return stored.remove(name) == null ? new DeleteOutcome.NotFound() : new DeleteOutcome.Deleted();
    }

    @Override
    public ReplaceOutcome replaceAll(HostState desired) {
        throw new UnsupportedOperationException("the adapter never replaces the host state");
    }

    @Override
    public synchronized Optional<VmStatus> get(String name) {
        return Optional.ofNullable(stored.get(name)).map(FakeService::status);
    }

    @Override
    public synchronized List<VmStatus> list() {
        return stored.values().stream().map(FakeService::status).toList();
    }

    @Override
    public Optional<String> ruleset(String name) {
        return Optional.empty();
    }

    @Override
    public ConntrackReport conntrack() {
        return new ConntrackReport(0, 1, 0, Map.of(), Map.of());
    }

    private static VmStatus status(Vm vm) {
        return new VmStatus(vm, false, false, Instant.EPOCH);
    }
}
