package org.gantry.memory.internal;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.Evictable;
import org.gantry.api.memory.Lease;

/** A lease; its byte count, state and list membership change only under the manager's lock. */
final class LeaseImpl implements Lease {

    final String model;
    final long version;
    final DeviceBudget budget;
    final Evictable evictable;
    /** How long a commit that grows the lease may wait for room, as the reservation could. */
    final long maxWaitNanos;
    private final MemoryManagerImpl manager;

    long bytes;
    boolean resident;
    /** Evicted: its engine is freeing the memory, which still counts against the budget until the lease closes. */
    boolean freeing;
    boolean closed;
    /** A host-tier entry: weights of an instance evicted from a GPU, waiting in host memory (see {@link HostTier}). */
    boolean parked;
    private volatile boolean pinned;
    /** Written on every request: a plain volatile store, no lock. */
    private volatile long lastUsedNanos = System.nanoTime();

    LeaseImpl(MemoryManagerImpl manager, String model, long version, DeviceBudget budget, long bytes, boolean pinned,
            Evictable evictable, long maxWaitNanos) {
        this.manager = manager;
        this.model = model;
        this.version = version;
        this.budget = budget;
        this.bytes = bytes;
        this.pinned = pinned;
        this.evictable = evictable;
        this.maxWaitNanos = maxWaitNanos;
    }

    @Override
    public Device device() {
        return budget.device;
    }

    @Override
    public long bytes() {
        return manager.bytesOf(this);
    }

    @Override
    public void commit(long measuredBytes, String artifactKey) {
        manager.commit(this, measuredBytes, artifactKey);
    }

    @Override
    public void touch() {
        lastUsedNanos = System.nanoTime();
    }

    @Override
    public void idle() {
        manager.roomMayHaveChanged();
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    @Override
    public boolean pinned() {
        return pinned;
    }

    @Override
    public void pin(boolean pin) {
        pinned = pin;
        manager.roomMayHaveChanged(); // waiting reservations see what can still go, and what can never fit
    }

    /** The same model version: never a victim of, nor room for, its own reservation. */
    boolean sameModelAs(String otherModel, long otherVersion) {
        return model.equals(otherModel) && version == otherVersion;
    }

    @Override
    public void close() {
        manager.release(this);
    }

    @Override
    public String toString() {
        return "model '" + model + "' version " + version;
    }
}
