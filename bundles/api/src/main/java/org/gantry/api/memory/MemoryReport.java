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
     * @param budgetBytes   what models may use: capacity × utilisation target − reserve
     * @param usedBytes     the sum of the device's leases
     * @param models        the leases, least recently used first
     */
    public record DeviceMemory(String name, Device device, long capacityBytes, long budgetBytes, long usedBytes,
            List<LeaseInfo> models) {
        public DeviceMemory {
            models = List.copyOf(models);
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
     * @param state        {@code LOADING} (an estimate) or {@code RESIDENT} (measured)
     */
    public record LeaseInfo(String model, long version, long bytes, boolean pinned, long lastUsedMillis, String state) {
    }
}
