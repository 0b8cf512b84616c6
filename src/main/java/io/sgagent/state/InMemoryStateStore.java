package io.sgagent.state;

import io.sgagent.model.Vm;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A store that forgets everything on restart; for tests and trials. Thread-safe (concurrent map). */
public final class InMemoryStateStore implements DesiredStateStore {
    private final Map<String, Vm> vms = new ConcurrentHashMap<>();

    @Override
    public Map<String, Vm> load() {
        return Map.copyOf(vms);
    }

    @Override
    public void save(Vm vm) {
        vms.put(vm.name(), vm);
    }

    @Override
    public void delete(String name) {
        vms.remove(name);
    }
}
