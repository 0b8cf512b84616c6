package io.sgagent.cloudstack;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/** Views in memory; survives "restarts" of the adapter when the same instance is handed to a new one. */
final class MemoryViewStore implements ViewStore {
    final Map<String, CloudStackVm> views = new TreeMap<>();
    boolean failing;

    @Override
    public synchronized Map<String, CloudStackVm> load() {
        return new TreeMap<>(views);
    }

    @Override
    public synchronized void save(CloudStackVm view) throws IOException {
        if (failing) {
            throw new IOException("disk full");
        }
        views.put(view.name(), view);
    }

    @Override
    public synchronized void delete(String name) throws IOException {
        if (failing) {
            throw new IOException("disk full");
        }
        views.remove(name);
    }
}
