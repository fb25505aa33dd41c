package org.gantry.memory.internal;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;

/**
 * Lets reservations onto a device's budget in the order they arrive. The first one waiting takes the room that is
 * free and claims least recently used idle models for the rest; their unloads run on its thread with the lock
 * released. When the models in the way are busy, still loading or being freed, it waits for them, and the others
 * wait behind it: a later reservation takes only room that none ahead of it needs, so it never delays them, and a
 * model evicted a moment ago cannot come back ahead of the loads that were already waiting. A reservation fails at
 * once only when it can never fit: larger than the budget, or the rest of the budget held by pinned models (or by
 * other instances of the same model version).
 * <p>
 * Every method is entered and left with the manager's lock held once; evictions run with it released.
 */
final class Admission {

    /** The longest a waiting reservation sleeps between looks: room also comes unannounced (a residency ends). */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Busy models are idle again within milliseconds: a retry a second later usually finds room. */
    static final int RETRY_AFTER_SECONDS = 1;

    /** One waiting reservation. Identity matters: two alike are still two places in the line. */
    static final class Waiter {
        final long bytes;

        Waiter(long bytes) {
            this.bytes = bytes;
        }
    }

    private final ReentrantLock lock;
    private final Condition roomChanged;
    private final Victims victims;
    /** Reservations and growing commits waiting for room: read without the lock to skip signals nobody awaits. */
    private volatile int waiting;

    Admission(ReentrantLock lock, Victims victims) {
        this.lock = lock;
        this.roomChanged = lock.newCondition();
        this.victims = victims;
    }

    /** Whether anyone waits for room, so that a model going idle is worth a signal. Needs no lock. */
    boolean anyoneWaits() {
        return waiting > 0;
    }

    /** Wakes the waiting reservations to look again. Lock held. */
    void roomChanged() {
        if (waiting > 0) {
            roomChanged.signalAll();
        }
    }

    /**
     * Returns once {@code bytes} are free on the device for this reservation, which comes after the reservations
     * already waiting there. The caller adds its lease before releasing the lock.
     *
     * @param maxWaitNanos how long to wait for busy, loading or departing models; 0 to fail at once as before 1.1
     */
    void admit(DeviceBudget budget, String model, long version, long bytes, long maxWaitNanos) {
        String who = "model '" + model + "' version " + version;
        long started = System.nanoTime();
        Waiter waiter = new Waiter(bytes);
        budget.waiting.addLast(waiter);
        waiting++;
        try {
            while (true) {
                failIfNeverFits(budget, model, version, bytes, who);
                if (budget.freeBytes() >= bytes
                        && budget.budgetBytes() - budget.usedBytes - bytesAhead(budget, waiter) >= bytes) {
                    return; // free now, and what is free or being freed still covers everyone ahead
                }
                if (budget.waiting.peekFirst() == waiter) {
                    // Room being freed already counts as coming: claim only what it does not cover.
                    long missing = bytes - (budget.budgetBytes() - budget.usedBytes);
                    if (evictOutsideLock(victims.claim(budget, missing, model, version,
                            "evicted (least recently used) to make room for " + who))) {
                        continue;
                    }
                }
                long left = maxWaitNanos - (System.nanoTime() - started);
                if (left <= 0) {
                    throw maxWaitNanos == 0 ? noRoomNow(budget, bytes, who, waiter)
                            : waitedTooLong(budget, model, version, bytes, who, waiter, System.nanoTime() - started);
                }
                await(Math.min(left, RECHECK_NANOS), who);
            }
        } finally {
            budget.waiting.remove(waiter);
            waiting--;
            roomChanged.signalAll(); // the next in line may go, or give up
        }
    }

    /**
     * Makes room for a loaded model whose measured footprint is larger than its lease. It goes before the waiting
     * reservations (its memory is already in use), evicts idle models, and waits only for busy or departing ones:
     * waiting for other loads could deadlock two growing loads.
     */
    void grow(LeaseImpl lease, long growth) {
        DeviceBudget budget = lease.budget;
        long started = System.nanoTime();
        Waiter waiter = new Waiter(growth);
        budget.waiting.addFirst(waiter);
        waiting++;
        try {
            while (budget.freeBytes() < growth) {
                long missing = growth - (budget.budgetBytes() - budget.usedBytes);
                if (evictOutsideLock(victims.claim(budget, missing, lease.model, lease.version,
                        "evicted (least recently used) to make room for " + lease))) {
                    continue;
                }
                if (budget.budgetBytes() - budget.usedBytes + busyBytes(budget, lease) < growth) {
                    throw noRoomNow(budget, growth, lease.toString(), null);
                }
                long left = lease.maxWaitNanos - (System.nanoTime() - started);
                if (left <= 0) {
                    throw lease.maxWaitNanos == 0 ? noRoomNow(budget, growth, lease.toString(), null)
                            : waitedTooLong(budget, lease.model, lease.version, growth, lease.toString(), waiter,
                                    System.nanoTime() - started);
                }
                await(Math.min(left, RECHECK_NANOS), lease.toString());
            }
        } finally {
            budget.waiting.remove(waiter);
            waiting--;
            roomChanged.signalAll();
        }
    }

    /** Evicts idle models for an engine that ran out of memory; does not wait. */
    long evictFor(DeviceBudget budget, long bytes, String model, long version, String reason) {
        List<Victims.Eviction> evictions = victims.claim(budget, bytes, model, version, reason);
        long freed = evictions.stream().mapToLong(eviction -> eviction.lease().bytes).sum();
        evictOutsideLock(evictions);
        return freed;
    }

    /** Runs the unloads with the lock released, so that nobody waits for an engine's teardown. */
    boolean evictOutsideLock(List<Victims.Eviction> evictions) {
        if (evictions.isEmpty()) {
            return false;
        }
        lock.unlock();
        try {
            evictions.forEach(Victims.Eviction::run);
        } finally {
            lock.lock();
        }
        return true;
    }

    private void await(long nanos, String who) {
        try {
            roomChanged.awaitNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GantryException.unavailable("interrupted while %s waited for memory", who);
        }
    }

    /** Resident, unpinned models of others: idle again soon, then evictable. */
    private static long busyBytes(DeviceBudget budget, LeaseImpl requester) {
        return budget.leases.stream()
                .filter(l -> l.resident && !l.freeing && !l.pinned()
                        && !l.sameModelAs(requester.model, requester.version))
                .mapToLong(l -> l.bytes).sum();
    }

    private static void failIfNeverFits(DeviceBudget budget, String model, long version, long bytes, String who) {
        long budgetBytes = budget.budgetBytes();
        if (bytes > budgetBytes) {
            throw insufficient("%s needs %s but the budget of %s is %s", who, ByteSizes.format(bytes), budget.device,
                    ByteSizes.format(budgetBytes));
        }
        long stuck = budget.leases.stream().filter(l -> !l.freeing && (l.pinned() || l.sameModelAs(model, version)))
                .mapToLong(l -> l.bytes).sum();
        if (stuck + bytes > budgetBytes) {
            throw insufficient("%s needs %s on %s but only %s of its %s budget can ever be free: pinned models hold the"
                    + " rest%s", who, ByteSizes.format(bytes), budget.device, ByteSizes.format(budgetBytes - stuck),
                    ByteSizes.format(budgetBytes), budget.leases.stream().anyMatch(l -> l.sameModelAs(model, version))
                            ? " (with the model's other instances)" : "");
        }
    }

    private static GantryException noRoomNow(DeviceBudget budget, long bytes, String who, Waiter waiter) {
        int ahead = waiter == null ? 0 : position(budget, waiter);
        if (ahead > 0) {
            return insufficient("%s needs %s on %s, and %d other reservation(s) wait for room there first", who,
                    ByteSizes.format(bytes), budget.device, ahead);
        }
        return insufficient("%s needs %s on %s but only %s of its %s budget is free, and every other model there is"
                + " pinned, busy or still loading", who, ByteSizes.format(bytes), budget.device,
                ByteSizes.format(Math.max(0, budget.freeBytes())), ByteSizes.format(budget.budgetBytes()));
    }

    /** What the reservation waited for, and for how long: a 503 the client may retry. */
    private static GantryException waitedTooLong(DeviceBudget budget, String model, long version, long bytes,
            String who, Waiter waiter, long waitedNanos) {
        long busy = 0;
        long loading = 0;
        int busyModels = 0;
        int loadingModels = 0;
        for (LeaseImpl lease : budget.leases) {
            if (lease.freeing || lease.pinned() || lease.sameModelAs(model, version)) {
                continue;
            }
            if (lease.resident) {
                busy += lease.bytes;
                busyModels++;
            } else {
                loading += lease.bytes;
                loadingModels++;
            }
        }
        int ahead = position(budget, waiter);
        String message = String.format("%s waited %d ms for %s on %s and got none: %s of the %s budget is free, %d busy"
                + " model(s) hold %s, %d loading hold %s, %s is being freed%s; retry shortly", who,
                TimeUnit.NANOSECONDS.toMillis(waitedNanos), ByteSizes.format(bytes), budget.device,
                ByteSizes.format(Math.max(0, budget.freeBytes())), ByteSizes.format(budget.budgetBytes()), busyModels,
                ByteSizes.format(busy), loadingModels, ByteSizes.format(loading), ByteSizes.format(budget.freeingBytes),
                ahead > 0 ? ", and " + ahead + " reservation(s) were ahead of it" : "");
        return new GantryException(ErrorKind.UNAVAILABLE, message, null, RETRY_AFTER_SECONDS);
    }

    /** What the reservations ahead of this one wait for. */
    private static long bytesAhead(DeviceBudget budget, Waiter waiter) {
        long ahead = 0;
        for (Waiter other : budget.waiting) {
            if (other == waiter) {
                break;
            }
            ahead += other.bytes;
        }
        return ahead;
    }

    private static int position(DeviceBudget budget, Waiter waiter) {
        int ahead = 0;
        for (Waiter other : budget.waiting) {
            if (other == waiter) {
                return ahead;
            }
            ahead++;
        }
        return ahead;
    }

    private static GantryException insufficient(String format, Object... args) {
        return new GantryException(ErrorKind.INSUFFICIENT_MEMORY, String.format(format, args));
    }
}
