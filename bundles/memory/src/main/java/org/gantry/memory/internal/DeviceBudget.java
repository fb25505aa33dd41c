package org.gantry.memory.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.gantry.api.backend.Device;

/**
 * One device's budget, the leases on it and the reservations waiting for room there. Guarded by the manager's lock.
 * <p>
 * The budget is what leases may hold: the target (capacity × utilisation) less what the process uses on the device
 * beyond its leases. Until that is measured the configured reserve stands in for it; once the measured figure is
 * larger, it takes the reserve's place. A lease being freed (its model evicted, its engine still tearing down)
 * counts against the budget until it is closed, so {@code usedBytes + freeingBytes <= budgetBytes()} whatever the
 * order in which reservations and unloads finish.
 */
final class DeviceBudget {

    final Device device;
    final long capacityBytes;
    /** Capacity × utilisation target: everything Gantry may use on the device. */
    final long targetBytes;
    /** Kept off the budget for what leases do not count, until the unleased memory is measured larger. */
    final long reserveBytes;
    final List<LeaseImpl> leases = new ArrayList<>();
    /** Reservations waiting for room, in arrival order (see {@link Admission}). */
    final Deque<Admission.Waiter> waiting = new ArrayDeque<>();
    /** Leases not being freed. */
    long usedBytes;
    /** Leases of evicted models whose engines are still freeing the memory. */
    long freeingBytes;
    /** Used on the device beyond the leases, as last measured; -1 while not measured. */
    long unleasedBytes = -1;
    /** Changes with every lease granted, grown, claimed or closed: a measurement taken across a change is stale. */
    long generation;

    DeviceBudget(Device device, long capacityBytes, long targetBytes, long reserveBytes) {
        this.device = device;
        this.capacityBytes = capacityBytes;
        this.targetBytes = Math.max(0, targetBytes);
        this.reserveBytes = Math.max(0, reserveBytes);
    }

    /** A budget with nothing kept off it (the host, simulated devices). */
    DeviceBudget(Device device, long capacityBytes, long budgetBytes) {
        this(device, capacityBytes, budgetBytes, 0);
    }

    long budgetBytes() {
        return Math.max(0, targetBytes - Math.max(reserveBytes, unleasedBytes));
    }

    /** What a new lease may take now: negative when the budget shrank below what is held. */
    long freeBytes() {
        return budgetBytes() - usedBytes - freeingBytes;
    }

    /** No load and no unload in flight: the leases are exactly what the engines hold. */
    boolean quiet() {
        return freeingBytes == 0 && leases.stream().allMatch(lease -> lease.resident);
    }
}
