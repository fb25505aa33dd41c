package org.gantry.memory.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.gantry.api.backend.Device;

/**
 * One device's budget, the leases on it and the reservations waiting for room there. Guarded by the manager's lock.
 * A lease being freed (its model evicted, its engine still tearing down) counts against the budget until it is
 * closed, so {@code usedBytes + freeingBytes <= budgetBytes()} whatever the order in which reservations and unloads
 * finish.
 */
final class DeviceBudget {

    final Device device;
    final long capacityBytes;
    private final long budgetBytes;
    final List<LeaseImpl> leases = new ArrayList<>();
    /** Reservations waiting for room, in arrival order (see {@link Admission}). */
    final Deque<Admission.Waiter> waiting = new ArrayDeque<>();
    /** Leases not being freed. */
    long usedBytes;
    /** Leases of evicted models whose engines are still freeing the memory. */
    long freeingBytes;
    DeviceBudget(Device device, long capacityBytes, long budgetBytes) {
        this.device = device;
        this.capacityBytes = capacityBytes;
        this.budgetBytes = Math.max(0, budgetBytes);
    }

    long budgetBytes() {
        return budgetBytes;
    }

    /** What a new lease may take now. */
    long freeBytes() {
        return budgetBytes() - usedBytes - freeingBytes;
    }
}
