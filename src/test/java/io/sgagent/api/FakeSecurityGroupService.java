package io.sgagent.api;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * In-memory stand-in for the agent: stores what it is given, records every call, and lets a test choose the
 * outcome of the next write. Shared by the cached Spring test context, so tests call {@link #reset()} first.
 */
class FakeSecurityGroupService implements SecurityGroupService {
    static final Instant APPLIED_AT = Instant.parse("2026-11-26T10:15:30.123Z");

    final List<Vm> puts = new CopyOnWriteArrayList<>();
    final List<String> deletes = new CopyOnWriteArrayList<>();
    final List<HostState> replaces = new CopyOnWriteArrayList<>();
    /** Who each write was for, in call order (the audit log's actor). */
    final List<Actor> actors = new CopyOnWriteArrayList<>();
    final Map<String, VmStatus> stored = new TreeMap<>();

    Function<Vm, PutOutcome> putBehaviour;
    Function<String, DeleteOutcome> deleteBehaviour;
    Function<HostState, ReplaceOutcome> replaceBehaviour;
    RuntimeException failWith;
    ConntrackReport conntrack;

    FakeSecurityGroupService() {
        reset();
    }

    synchronized void reset() {
        puts.clear();
        deletes.clear();
        replaces.clear();
        actors.clear();
        stored.clear();
        failWith = null;
        putBehaviour = vm -> {
            VmStatus status = statusOf(vm);
            stored.put(vm.name(), status);
            return new PutOutcome.Applied(status);
        };
        deleteBehaviour = name -> stored.remove(name) == null ? new DeleteOutcome.NotFound() : new DeleteOutcome.Deleted();
        replaceBehaviour = desired -> {
            List<String> removed = new ArrayList<>();
            for (String name : List.copyOf(stored.keySet())) {
                if (!desired.vms().containsKey(name)) {
                    stored.remove(name);
                    removed.add(name);
                }
            }
            desired.vms().values().forEach(vm -> stored.put(vm.name(), statusOf(vm)));
            return new ReplaceOutcome.Applied(desired.vms().values().stream().map(v -> stored.get(v.name())).toList(),
                    removed);
        };
        conntrack = new ConntrackReport(1834, 262144, 1834.0 / 262144, Map.of("ipv4", 4L, "ipv6", 6L),
                Map.of("drop", 0L, "insert_failed", 2L, "early_drop", 1L));
    }

    /** Allow-all ingress and open egress of a family means untracked, like B5 (close enough for API tests). */
    static VmStatus statusOf(Vm vm) {
        boolean v4 = vm.ingress().stream().anyMatch(r -> r.isAllowAll(io.sgagent.model.Family.IPV4))
                && vm.egress().stream().noneMatch(r -> r.hasFamily(io.sgagent.model.Family.IPV4));
        boolean v6 = vm.ingress().stream().anyMatch(r -> r.isAllowAll(io.sgagent.model.Family.IPV6))
                && vm.egress().stream().noneMatch(r -> r.hasFamily(io.sgagent.model.Family.IPV6));
        return new VmStatus(vm, v4, v6, APPLIED_AT);
    }

    private void maybeFail() {
        if (failWith != null) {
            throw failWith;
        }
    }

    @Override
    public synchronized PutOutcome put(Vm vm, Actor actor) {
        actors.add(actor);
        return put(vm);
    }

    @Override
    public synchronized DeleteOutcome delete(String name, Actor actor) {
        actors.add(actor);
        return delete(name);
    }

    @Override
    public synchronized ReplaceOutcome replaceAll(HostState desired, Actor actor) {
        actors.add(actor);
        return replaceAll(desired);
    }

    @Override
    public synchronized PutOutcome put(Vm vm) {
        maybeFail();
        puts.add(vm);
        return putBehaviour.apply(vm);
    }

    @Override
    public synchronized DeleteOutcome delete(String name) {
        maybeFail();
        deletes.add(name);
        return deleteBehaviour.apply(name);
    }

    @Override
    public synchronized ReplaceOutcome replaceAll(HostState desired) {
        maybeFail();
        replaces.add(desired);
        return replaceBehaviour.apply(desired);
    }

    @Override
    public synchronized Optional<VmStatus> get(String name) {
        maybeFail();
        return Optional.ofNullable(stored.get(name));
    }

    @Override
    public synchronized List<VmStatus> list() {
        maybeFail();
        return List.copyOf(stored.values());
    }

    @Override
    public synchronized Optional<String> ruleset(String name) {
        maybeFail();
        return stored.containsKey(name)
                ? Optional.of("*filter\n:sg-" + name + "-in - [0:0]\n-A sg-" + name + "-in -j DROP\nCOMMIT\n")
                : Optional.empty();
    }

    @Override
    public synchronized ConntrackReport conntrack() {
        maybeFail();
        return conntrack;
    }
}
