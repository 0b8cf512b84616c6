package io.sgagent.state;

import io.sgagent.model.Vm;
import java.util.Map;

/**
 * Durable desired state: the last acknowledged version of every VM. The reconciler saves before it writes
 * the kernel and restores the previous version if the kernel refuses, so after a crash the store never holds
 * less than what was acknowledged.
 */
public interface DesiredStateStore {
    Map<String, Vm> load();

    void save(Vm vm) throws StateStoreException;

    void delete(String name) throws StateStoreException;

    /** Storing failed (disk full, permissions); the request fails and the kernel is not touched. */
    class StateStoreException extends Exception {
        public StateStoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
