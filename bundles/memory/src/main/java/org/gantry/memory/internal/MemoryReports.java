package org.gantry.memory.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.gantry.api.memory.MemoryReport;

/** The manager's state as {@link MemoryReport} tells it: built under the manager's lock, read without it. */
final class MemoryReports {

    private MemoryReports() {
    }

    /** Each device's budget and use, and its leases least recently used first. */
    static MemoryReport of(Collection<DeviceBudget> devices, long evictions, MemoryReport.HostTier hostTier) {
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        List<MemoryReport.DeviceMemory> report = new ArrayList<>();
        for (DeviceBudget budget : devices) {
            List<LeaseImpl> leases = new ArrayList<>(budget.leases);
            leases.sort(Comparator.comparingLong(LeaseImpl::lastUsedNanos));
            List<MemoryReport.LeaseInfo> models = leases.stream()
                    .map(l -> new MemoryReport.LeaseInfo(l.model, l.version, l.bytes, l.pinned(),
                            nowMillis - TimeUnit.NANOSECONDS.toMillis(nowNanos - l.lastUsedNanos()), state(l)))
                    .toList();
            report.add(new MemoryReport.DeviceMemory(budget.device.name(), budget.device, budget.capacityBytes,
                    budget.budgetBytes(), budget.usedBytes, models, budget.freeingBytes, budget.unleasedBytes,
                    budget.waiting.size()));
        }
        return new MemoryReport(report, evictions, hostTier);
    }

    private static String state(LeaseImpl lease) {
        if (lease.freeing) {
            return "UNLOADING";
        }
        if (lease.parked) {
            return lease.resident ? "HOST_TIER" : "RESTORING";
        }
        return lease.resident ? "RESIDENT" : "LOADING";
    }
}
