package io.sgagent.compiler;

import io.sgagent.model.Vm;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What one compile can hand to the next, so that a one-VM update costs one VM's chains, not the host's (issue 11):
 * each VM's compiled parts, reused while the VM is the same (identical, or equal as a record), and host-level parts
 * (dispatch trees, set members), reused while their input is equal. Unchanged parts come back as the very same
 * objects, so the diff renderers skip them by identity without comparing their rules.
 *
 * <p>Never changes a result: every part is a pure function of its key (a VM, or the host-level input), so a hit
 * returns exactly what building it again would. Thread-safe (the families of one compile may run on two
 * threads); concurrent compiles of different hosts only lose hits.
 */
final class CompileMemo {
    private record VmParts(Vm vm, Map<String, Object> parts) {
        boolean holds(Vm other) {
            return vm == other || vm.equals(other);
        }
    }

    private record HostPart(Object input, Object value) {
    }

    private final Map<String, VmParts> byVm = new ConcurrentHashMap<>();
    private final Map<String, HostPart> byHost = new ConcurrentHashMap<>();

    /** Part {@code part} of {@code vm} (e.g. "ingress IPV4"), built by {@code build} unless this VM already has it. */
    @SuppressWarnings("unchecked")
    <T> T vm(Vm vm, String part, Supplier<T> build) {
        VmParts entry = byVm.get(vm.name());
        if (entry == null || !entry.holds(vm)) {
            // Atomic: the families compile on two threads, and both must keep their parts of a new VM in one entry.
            entry = byVm.compute(vm.name(), (name, old) -> old != null && old.holds(vm) ? old
                    : new VmParts(vm, new ConcurrentHashMap<>()));
        }
        return (T) entry.parts().computeIfAbsent(part, k -> build.get());
    }

    /** Host-level part {@code part}, built by {@code build} unless the last one was built from an equal input. */
    @SuppressWarnings("unchecked")
    <T> T host(String part, Object input, Supplier<T> build) {
        HostPart entry = byHost.get(part);
        if (entry != null && (entry.input() == input || entry.input().equals(input))) {
            return (T) entry.value();
        }
        T value = build.get();
        byHost.put(part, new HostPart(input, value));
        return value;
    }

    /** Forgets VMs no longer on the host, so the memo stays the size of the host. */
    void retain(Set<String> vmNames) {
        if (byVm.size() > vmNames.size()) {
            byVm.keySet().retainAll(vmNames);
        }
    }
}
