package org.gantry.memory.internal;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.Evictable;
import org.gantry.api.memory.Lease;

/** A lease; its byte count and list membership change only under the manager's lock. */
final class LeaseImpl implements Lease {

    final String model;
    final long version;
    final DeviceBudget budget;
    final Evictable evictable;
    private final MemoryManagerImpl manager;

    long bytes;
    boolean resident;
    boolean closed;
    private volatile boolean pinned;
    /** Written on every request: a plain volatile store, no lock. */
    private volatile long lastUsedNanos = System.nanoTime();

    LeaseImpl(MemoryManagerImpl manager, String model, long version, DeviceBudget budget, long bytes, boolean pinned,
            Evictable evictable) {
        this.manager = manager;
        this.model = model;
        this.version = version;
        this.budget = budget;
        this.bytes = bytes;
        this.pinned = pinned;
        this.evictable = evictable;
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
