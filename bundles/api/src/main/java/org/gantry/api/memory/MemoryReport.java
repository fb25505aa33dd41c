package org.gantry.api.memory;

import java.util.List;

import org.gantry.api.backend.Device;

/**
 * What the memory manager sees.
 *
 * @param devices   every device with its budget and leases
 * @param evictions models evicted since the server started
 */
public record MemoryReport(List<DeviceMemory> devices, long evictions) {

    public MemoryReport {
        devices = List.copyOf(devices);
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
     * @param state        {@code LOADING} (an estimate), {@code RESIDENT} (measured) or {@code UNLOADING} (evicted,
     *                     its memory being freed)
     */
    public record LeaseInfo(String model, long version, long bytes, boolean pinned, long lastUsedMillis, String state) {
    }
}
