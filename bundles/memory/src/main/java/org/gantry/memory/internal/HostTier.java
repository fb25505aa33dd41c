package org.gantry.memory.internal;

import java.util.List;
import java.util.Optional;

import org.gantry.api.memory.Lease;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.memory.ParkRequest;
import org.gantry.api.memory.Residence;

/**
 * The host tier: instances evicted from GPUs whose weights wait in host memory, least recently parked first out.
 * Its entries are leases on the host's own budget (state {@code HOST_TIER}), so the host's models and the tier are
 * arbitrated in one budget, and the tier has a ceiling of its own. The tier yields: a reservation on the host that
 * needs room sends tier entries to disk before it evicts any model the host serves ({@link Victims}), while the tier
 * takes room only from its own entries, never waits, and parks nothing while a host reservation waits for room.
 * <p>
 * Every method is entered and left with the manager's lock held once; drops run with it released.
 */
final class HostTier {

    private final MemoryManagerImpl manager;
    private final DeviceBudget host;
    private final long budgetBytes;
    private final Victims victims;
    private final Admission admission;
    private long parked;
    private long hits;
    private long misses;
    private long hitNanos;
    private long missNanos;

    /** The host tier's ceiling given the host budget: fixed, or a share of it. */
    @FunctionalInterface
    interface Ceiling {
        long bytes(long hostBudget);
    }

    /**
     * The configured ceiling (never past the host budget); without one, a share of the host budget ("0": no host
     * tier). An environment variable reaches it through a placeholder in etc/org.gantry.memory.cfg.
     */
    static Ceiling ceiling(String configured, double share) {
        if (configured == null || configured.isBlank()) {
            if (share < 0 || share > 1) {
                throw new IllegalArgumentException("the host tier's share must lie in 0..1, not " + share);
            }
            return hostBudget -> (long) (hostBudget * share);
        }
        long bytes = ByteSizes.parse(configured);
        return hostBudget -> Math.min(bytes, hostBudget);
    }

    HostTier(MemoryManagerImpl manager, DeviceBudget host, long budgetBytes, Victims victims, Admission admission) {
        this.manager = manager;
        this.host = host;
        this.budgetBytes = Math.max(0, budgetBytes);
        this.victims = victims;
        this.admission = admission;
    }

    /** Parks the instance if the tier, after sending older entries to disk, has room for it. Lock held. */
    Optional<Lease> park(ParkRequest request) {
        long bytes = request.bytes();
        if (bytes > budgetBytes || bytes > host.budgetBytes() || !reachable(bytes)) {
            return Optional.empty(); // the tier is off, too small, or the host's own models hold the room
        }
        String reason = "sent to disk from the host tier to make room for " + request.model() + " version "
                + request.version();
        while (!fits(bytes) && host.waiting.isEmpty()) {
            long missing = Math.max(usedBytes() + bytes - budgetBytes, bytes - (host.budgetBytes() - host.usedBytes));
            if (!admission.evictOutsideLock(victims.claimParked(host, missing, reason))) {
                break; // what is left of the tier is being restored or already being dropped
            }
        }
        if (!fits(bytes) || !host.waiting.isEmpty()) {
            return Optional.empty(); // the host's own models come first
        }
        LeaseImpl lease = new LeaseImpl(manager, request.model(), request.version(), host, bytes, false,
                request.drop(), 0);
        lease.parked = true;
        lease.resident = true; // a tier entry is evictable (to disk) at once
        host.leases.add(lease);
        host.usedBytes += bytes;
        host.generation++;
        parked++;
        return Optional.of(lease);
    }

    /** Takes an entry out of the tier for its reload: never dropped from now on. Lock held. */
    boolean unpark(LeaseImpl lease) {
        if (!lease.parked || lease.freeing || lease.closed || !lease.resident) {
            return false;
        }
        lease.resident = false; // no victim any more; its memory stays counted until the weights are back
        host.generation++;
        return true;
    }

    void reloaded(Residence from, long nanos) {
        if (from == Residence.HOST_TIER) {
            hits++;
            hitNanos += nanos;
        } else {
            misses++;
            missNanos += nanos;
        }
    }

    /** Whether sending every entry that can go to disk would make room: if not, none is sent in vain. */
    private boolean reachable(long bytes) {
        long droppable = entries().stream().filter(lease -> lease.resident && !lease.freeing)
                .mapToLong(lease -> lease.bytes).sum();
        return usedBytes() - droppable + bytes <= budgetBytes && host.freeBytes() + droppable >= bytes;
    }

    /** Room in the tier's ceiling and in the host's budget, entries being dropped still counted. */
    private boolean fits(long bytes) {
        return usedBytes() + bytes <= budgetBytes && host.freeBytes() >= bytes;
    }

    /** What tier entries hold, those being dropped or restored included. */
    long usedBytes() {
        return entries().stream().mapToLong(lease -> lease.bytes).sum();
    }

    private List<LeaseImpl> entries() {
        return host.leases.stream().filter(lease -> lease.parked).toList();
    }

    MemoryReport.HostTier report() {
        List<LeaseImpl> entries = entries();
        return new MemoryReport.HostTier(budgetBytes, entries.stream().mapToLong(lease -> lease.bytes).sum(),
                entries.size(), parked, victims.dropped(), hits, misses, hitNanos, missNanos);
    }
}
