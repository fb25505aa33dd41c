package org.gantry.memory.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.gantry.memory.internal.MemoryManagerImpl.Candidate;
import org.gantry.memory.internal.MemoryManagerImpl.EvictionDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the models to evict from a device, under the manager's lock: the least recently used resident, unpinned
 * ones first, skipping those that are busy. Choosing is quick; a chosen model's unload runs later, outside the lock
 * ({@link Eviction#run()}), and its lease counts as being freed until then.
 */
final class Victims {

    private static final Logger LOG = LoggerFactory.getLogger(Victims.class);

    private long evictions;
    private long dropped;
    /** Sees every eviction decision; for tests that check the choice was the least recently used. */
    private volatile Consumer<EvictionDecision> observer = decision -> {};

    /** One chosen victim, stopped from taking requests; {@link #run()} frees its memory and closes its lease. */
    record Eviction(LeaseImpl lease, Runnable unload, String reason, long lastUsedNanos) {

        /** Runs the unload, never under the manager's lock. */
        void run() {
            try {
                unload.run();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Unloading {} failed; its lease is released all the same", lease, e);
            } finally {
                lease.close(); // in case the evictable did not: the memory is gone either way
            }
            LOG.info("Evicted {} (idle for {} ms): {}", lease,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastUsedNanos), reason);
        }
    }

    void observe(Consumer<EvictionDecision> decisions) {
        observer = decisions;
    }

    /** Models evicted so far (chosen and stopped, whether or not their unload has finished). */
    long count() {
        return evictions;
    }

    /** Host-tier entries sent on to disk so far: not evictions, their models had already left their GPUs. */
    long dropped() {
        return dropped;
    }

    /**
     * Chooses idle victims least recently used first until their leases add up to {@code bytes}, and marks each as
     * being freed. Never chooses pinned models, models still loading or already being freed, or leases of the
     * requesting model version itself. On the host, host-tier entries go first, least recently parked first: the
     * tier yields to the models the host serves.
     *
     * @return the evictions to run once the lock is released; empty when every candidate is busy
     */
    List<Eviction> claim(DeviceBudget budget, long bytes, String model, long version, String reason) {
        return claim(budget, bytes, model, version, reason, false);
    }

    /** Sends host-tier entries, and nothing else, to disk until {@code bytes} are claimed: room for the tier. */
    List<Eviction> claimParked(DeviceBudget host, long bytes, String reason) {
        return claim(host, bytes, "", -1, reason, true);
    }

    private List<Eviction> claim(DeviceBudget budget, long bytes, String model, long version, String reason,
            boolean parkedOnly) {
        if (bytes <= 0) {
            return List.of();
        }
        // Snapshot the last-use times once, so that the order is consistent while requests keep touching.
        record Resident(LeaseImpl lease, Candidate candidate) {
        }
        List<Resident> residents = new ArrayList<>();
        for (LeaseImpl lease : budget.leases) {
            if (lease.resident && !lease.freeing && !lease.pinned() && !lease.sameModelAs(model, version)
                    && (lease.parked || !parkedOnly)) {
                residents.add(new Resident(lease, Candidate.of(lease, lease.lastUsedNanos())));
            }
        }
        residents.sort(Comparator.comparing((Resident resident) -> !resident.lease().parked)
                .thenComparingLong(resident -> resident.candidate().lastUsedNanos()));
        List<Candidate> remaining = new ArrayList<>(residents.stream().map(Resident::candidate).toList());
        List<Candidate> busy = new ArrayList<>();
        List<Eviction> chosen = new ArrayList<>();
        long claimed = 0;
        for (Resident resident : residents) {
            if (claimed >= bytes) {
                break;
            }
            Runnable unload = resident.lease().evictable.beginEviction(reason);
            if (unload == null) {
                busy.add(resident.candidate());
                continue;
            }
            observer.accept(new EvictionDecision(resident.candidate(), List.copyOf(busy), List.copyOf(remaining)));
            remaining.remove(resident.candidate()); // the next decision's candidates are those still resident
            markFreeing(budget, resident.lease());
            chosen.add(new Eviction(resident.lease(), unload, reason, resident.candidate().lastUsedNanos()));
            claimed += resident.lease().bytes;
            if (resident.lease().parked) {
                dropped++;
            } else {
                evictions++;
            }
        }
        return chosen;
    }

    private static void markFreeing(DeviceBudget budget, LeaseImpl lease) {
        if (lease.closed) {
            return; // the old-style evictable unloaded it within beginEviction: nothing left to free
        }
        lease.freeing = true;
        budget.usedBytes -= lease.bytes;
        budget.freeingBytes += lease.bytes;
        budget.generation++;
    }
}
