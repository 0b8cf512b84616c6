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
