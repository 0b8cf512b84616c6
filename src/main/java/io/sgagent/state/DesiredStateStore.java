package io.sgagent.state;

import io.sgagent.model.Vm;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Durable desired state: the last acknowledged version of every VM. The reconciler saves before it writes
 * the kernel and restores the previous version if the kernel refuses, so after a crash the store never holds
 * less than what was acknowledged.
 */
public interface DesiredStateStore {
    Map<String, Vm> load();

    void save(Vm vm) throws StateStoreException;

    void delete(String name) throws StateStoreException;

    /**
     * Saves and deletes several VMs as one step, all durable when it returns. Each VM's version is the old or the
     * new one at any moment; after a failure some may be new and some old, and the caller puts back what it
     * needs. Stores that can batch durability (one directory fsync instead of one per file) override this; the
     * default saves and deletes one by one.
     */
    default void saveAll(Collection<Vm> saves, Collection<String> deletes) throws StateStoreException {
        saveAll(saves, deletes, Runnable::run);
    }

    /**
     * {@link #saveAll(Collection, Collection)}, with the file writes of the batch run on {@code io} where the store
     * writes files (their fsyncs wait for the disk side by side). Every write has ended when this returns.
     */
    default void saveAll(Collection<Vm> saves, Collection<String> deletes, Executor io) throws StateStoreException {
        for (Vm vm : saves) {
            save(vm);
        }
        for (String name : deletes) {
            delete(name);
        }
    }

    /** Storing failed (disk full, permissions); the request fails and the kernel is not touched. */
    class StateStoreException extends Exception {
        public StateStoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
