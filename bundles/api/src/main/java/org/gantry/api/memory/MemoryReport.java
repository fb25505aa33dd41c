package org.gantry.api.memory;

import java.util.List;

import org.gantry.api.backend.Device;

/**
 * What the memory manager sees.
 *
 * @param devices   every device with its budget and leases
 * @param evictions models evicted since the server started
 * @param hostTier  the host tier, where models evicted from GPUs wait (its parked instances are also the host's
 *                  leases in state {@code HOST_TIER}); since 1.2
 */
public record MemoryReport(List<DeviceMemory> devices, long evictions, HostTier hostTier) {

    public MemoryReport {
        devices = List.copyOf(devices);
        hostTier = hostTier == null ? HostTier.OFF : hostTier;
    }

    /** A report without a host tier, as before 1.2. */
    public MemoryReport(List<DeviceMemory> devices, long evictions) {
        this(devices, evictions, HostTier.OFF);
    }

    /**
     * The host tier: its budget (part of the host's, and yielding to models served from the host), what it holds,
     * and how reloads of models evicted from GPUs went.
     *
     * @param budgetBytes       what parked weights may hold at most (0: the tier is off)
     * @param usedBytes         what they hold now, including entries being sent to disk
     * @param entries           parked instances
     * @param parked            instances parked since the server started
     * @param dropped           parked instances sent on to disk (closed) to make room
     * @param hits              reloads served from the host tier
     * @param misses            reloads of tier-able models that came from disk
     * @param hitReloadNanos    the reloads from the host tier, added up
     * @param missReloadNanos   the reloads from disk, added up
     * @since 1.2
     */
    public record HostTier(long budgetBytes, long usedBytes, int entries, long parked, long dropped, long hits,
            long misses, long hitReloadNanos, long missReloadNanos) {
        /** No host tier. */
        public static final HostTier OFF = new HostTier(0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * One device.
     *
     * @param name          {@code cpu} or {@code cuda:<index>}
     * @param device        the device
     * @param capacityBytes the device's total memory
     * @param budgetBytes   what leases may hold: capacity × utilisation target, less the reserve or, where more,
     *                      the unleased memory measured
     * @param usedBytes     the sum of the device's leases, except those being freed
     * @param models        the leases, least recently used first
     * @param freeingBytes  the leases of models being unloaded: counted against the budget until their engines have
     *                      freed the memory ({@code usedBytes + freeingBytes <= budgetBytes})
     * @param unleasedBytes what this process uses on the device beyond its leases (a GPU's CUDA context, kernels, the
     *                      caching allocator's blocks), as last measured; -1 where it is not measured (the host, or no
     *                      device-memory reading)
     * @param waiting       reservations waiting for room on the device
     */
    public record DeviceMemory(String name, Device device, long capacityBytes, long budgetBytes, long usedBytes,
            List<LeaseInfo> models, long freeingBytes, long unleasedBytes, int waiting) {
        public DeviceMemory {
            models = List.copyOf(models);
        }

        /** A device with nothing being freed, nothing measured beyond its leases, and nothing waiting (as in 1.0). */
        public DeviceMemory(String name, Device device, long capacityBytes, long budgetBytes, long usedBytes,
                List<LeaseInfo> models) {
            this(name, device, capacityBytes, budgetBytes, usedBytes, models, 0, -1, 0);
        }
    }

    /**
     * One lease.
     *
     * @param model        the model name
     * @param version      the model version
     * @param bytes        bytes held
     * @param pinned       never evicted
     * @param lastUsedMillis epoch milliseconds of the last use
     * @param state        {@code LOADING} (an estimate), {@code RESIDENT} (measured), {@code UNLOADING} (evicted,
     *                     its memory being freed) or, on the host, {@code HOST_TIER} (evicted from a GPU, its weights
     *                     waiting in host memory; since 1.2)
     */
    public record LeaseInfo(String model, long version, long bytes, boolean pinned, long lastUsedMillis, String state) {
    }
}
