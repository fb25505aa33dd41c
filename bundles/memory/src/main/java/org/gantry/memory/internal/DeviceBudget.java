package org.gantry.memory.internal;

import java.util.ArrayList;
import java.util.List;

import org.gantry.api.backend.Device;

/** One device's budget and the leases on it. Guarded by the manager's lock. */
final class DeviceBudget {

    final Device device;
    final long capacityBytes;
    final long budgetBytes;
    final List<LeaseImpl> leases = new ArrayList<>();
    long usedBytes;

    DeviceBudget(Device device, long capacityBytes, long budgetBytes) {
        this.device = device;
        this.capacityBytes = capacityBytes;
        this.budgetBytes = Math.max(0, budgetBytes);
    }

    long freeBytes() {
        return budgetBytes - usedBytes;
    }
}
