package io.sgagent.reconcile;

import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import java.util.List;
import java.util.Optional;

/**
 * What the API can ask of the agent. Writes are serialised by the single writer behind this interface;
 * reads never wait for it. Implementations must be thread-safe: every request thread calls them concurrently.
 */
public interface SecurityGroupService {
    PutOutcome put(Vm vm);

    DeleteOutcome delete(String name);

    ReplaceOutcome replaceAll(HostState desired);

    /**
     * {@link #put(Vm)} on behalf of {@code actor}, who is named in the audit line of the change. The default
     * drops the actor, so implementations that keep no audit log need not care.
     */
    default PutOutcome put(Vm vm, Actor actor) {
        return put(vm);
    }

    /** {@link #delete(String)} on behalf of {@code actor} (see {@link #put(Vm, Actor)}). */
    default DeleteOutcome delete(String name, Actor actor) {
        return delete(name);
    }

    /** {@link #replaceAll(HostState)} on behalf of {@code actor} (see {@link #put(Vm, Actor)}). */
    default ReplaceOutcome replaceAll(HostState desired, Actor actor) {
        return replaceAll(desired);
    }

    Optional<VmStatus> get(String name);

    List<VmStatus> list();

    /** The compiled rules of one VM in iptables-save syntax (all tables, both families, sets, bridge). */
    Optional<String> ruleset(String name);

    ConntrackReport conntrack();

    /** Packets and bytes the VM's rules dropped; empty if there is no such VM. Reads kernel counters. */
    default Optional<VmDrops> drops(String name) {
        return Optional.empty();
    }
}
