package org.gantry.runtime.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryManager;

/**
 * How many loads run on one device at once, and what a load borrows while it runs: a backend's {@code load} call,
 * bounded per device, with the artifact's host staging leased for a GPU load and one retry after evictions when the
 * engine runs out of memory.
 */
final class DeviceLoads {

    private final MemoryManager memory;
    private final MemoryRetry retry;
    private final int loadsPerDevice;
    private final Duration loadWait;
    private final Map<Device, Semaphore> loadSlots = new ConcurrentHashMap<>();

    DeviceLoads(MemoryManager memory, int loadsPerDevice, Duration loadWait) {
        this.memory = memory;
        this.retry = new MemoryRetry(memory);
        this.loadsPerDevice = loadsPerDevice;
        this.loadWait = loadWait;
    }

    /**
     * Loads with at most {@code loadsPerDevice} loads on one device at a time (alone when {@code exclusive}); a GPU
     * load also leases host memory for the artifact while it passes through, so parallel loads cannot spike host
     * RAM; an engine out of memory gets one retry after evictions.
     */
    LoadedModel load(Backend backend, LoadContext context, Lease lease, long artifactBytes,
            boolean exclusive) {
        Semaphore slots = loadSlots.computeIfAbsent(lease.device(), d -> new Semaphore(loadsPerDevice));
        // A measured load runs alone on its device, so that no other load's memory is counted as its own.
        int permits = exclusive ? loadsPerDevice : 1;
        try {
            slots.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GantryException.unavailable("interrupted while waiting to load model '%s'", context.config().name());
        }
        Lease staging = null;
        try {
            if (lease.device().kind() == Device.Kind.GPU) {
                staging = memory.reserve(new LeaseRequest(context.config().name() + " (host staging)",
                        context.version(), List.of(Device.CPU), artifactBytes, false, reason -> false), loadWait);
            }
            return retry.run(() -> lease, () -> backend.load(context));
        } finally {
            if (staging != null) {
                staging.close();
            }
            slots.release(permits);
        }
    }

}
