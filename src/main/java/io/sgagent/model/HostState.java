package io.sgagent.model;

import inet.ipaddr.IPAddress;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The desired state of every VM on this host, keyed and ordered by name (ordering makes compiler output
 * deterministic). Enforces the host-wide invariant that no two VMs share a device or an address.
 */
public record HostState(SortedMap<String, Vm> vms) {
    public static final HostState EMPTY = new HostState(new TreeMap<>());

    public HostState {
        // Natural name order whatever comparator the caller's map had: compiler output must not depend on it.
        TreeMap<String, Vm> byName = new TreeMap<>();
        byName.putAll(vms);
        vms = Collections.unmodifiableSortedMap(byName);
        Map<String, String> deviceOwner = new HashMap<>();
        Map<String, String> macOwner = new HashMap<>();
        Map<IPAddress, String> addressOwner = new HashMap<>();
        for (Vm vm : byName.values()) {
            for (Nic nic : vm.nics()) {
                String other = deviceOwner.putIfAbsent(nic.device(), vm.name());
                if (other != null) {
                    throw new HostConflictException("device " + nic.device() + " already belongs to VM " + other);
                }
                // A shared MAC would let two VMs send as each other and share one link-local address.
                String macHolder = macOwner.putIfAbsent(nic.mac(), vm.name());
                if (macHolder != null && !macHolder.equals(vm.name())) {
                    throw new HostConflictException("mac " + nic.mac() + " already belongs to VM " + macHolder);
                }
                for (Family family : Family.values()) {
                    // ownAddresses includes the MAC-derived link-local address, so no VM can claim another's.
                    for (IPAddress address : nic.ownAddresses(family)) {
                        String owner = addressOwner.putIfAbsent(address, vm.name());
                        if (owner != null && !owner.equals(vm.name())) {
                            throw new HostConflictException("address " + address + " already belongs to VM " + owner);
                        }
                    }
                }
            }
        }
    }

    public HostState with(Vm vm) {
        TreeMap<String, Vm> next = new TreeMap<>(vms);
        next.put(vm.name(), vm);
        return new HostState(next);
    }

    public HostState without(String name) {
        TreeMap<String, Vm> next = new TreeMap<>(vms);
        next.remove(name);
        return new HostState(next);
    }

    /** Two VMs on one host claim the same device or address. */
    public static final class HostConflictException extends RuntimeException {
        public HostConflictException(String message) {
            super(message);
        }
    }
}
