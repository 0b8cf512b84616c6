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
        Owners owners = new Owners();
        for (Vm vm : byName.values()) {
            String conflict = owners.claim(vm);
            if (conflict != null) {
                // Both VMs are in the same request: neither owns the object yet, so name both.
                throw new HostConflictException(conflict + " is claimed by VMs " + owners.lastOwner + " and "
                        + vm.name());
            }
        }
    }

    /**
     * This state with {@code vm} added or replaced. A conflict names the VM that already owns the device, MAC or
     * address ("device vnet7 belongs to VM db-1"), never the requesting one.
     */
    public HostState with(Vm vm) {
        Owners owners = new Owners();
        for (Vm other : vms.values()) {
            if (!other.name().equals(vm.name())) {
                owners.claim(other);
            }
        }
        String conflict = owners.claim(vm);
        if (conflict != null) {
            throw new HostConflictException(conflict + " belongs to VM " + owners.lastOwner);
        }
        TreeMap<String, Vm> next = new TreeMap<>(vms);
        next.put(vm.name(), vm);
        return new HostState(next);
    }

    public HostState without(String name) {
        TreeMap<String, Vm> next = new TreeMap<>(vms);
        next.remove(name);
        return new HostState(next);
    }

    /** Who owns each device, MAC and address (link-local included) among the VMs claimed so far. */
    private static final class Owners {
        private final Map<String, String> devices = new HashMap<>();
        private final Map<String, String> macs = new HashMap<>();
        private final Map<IPAddress, String> addresses = new HashMap<>();
        /** The owner found by the last failed {@link #claim}. */
        private String lastOwner;

        /** Claims everything of {@code vm}; on the first object another VM owns, returns what it is (else null). */
        String claim(Vm vm) {
            for (Nic nic : vm.nics()) {
                if (taken(devices, nic.device(), vm)) {
                    return "device " + nic.device();
                }
                // A shared MAC would let two VMs send as each other and share one link-local address.
                if (taken(macs, nic.mac(), vm)) {
                    return "mac " + nic.mac();
                }
                for (Family family : Family.values()) {
                    // ownAddresses includes the MAC-derived link-local address, so no VM can claim another's.
                    for (IPAddress address : nic.ownAddresses(family)) {
                        if (taken(addresses, address, vm)) {
                            return (address.isLinkLocal() ? "link-local address " : "address ") + address;
                        }
                    }
                }
            }
            return null;
        }

        private <K> boolean taken(Map<K, String> owners, K key, Vm vm) {
            String owner = owners.putIfAbsent(key, vm.name());
            if (owner != null && !owner.equals(vm.name())) {
                lastOwner = owner;
                return true;
            }
            return false;
        }
    }

    /** Two VMs on one host claim the same device or address. */
    public static final class HostConflictException extends RuntimeException {
        public HostConflictException(String message) {
            super(message);
        }
    }
}
