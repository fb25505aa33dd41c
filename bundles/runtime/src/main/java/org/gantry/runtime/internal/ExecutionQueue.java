package org.gantry.runtime.internal;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;

/**
 * The execution slots of one model version (one per configured instance) and the requests waiting for them,
 * served by priority level (1 first) and then in arrival order. A request that would exceed its level's queue
 * bound is refused at once; one whose timeout passes while it waits is refused, or, with the DELAY action, moved
 * behind every request that has not timed out.
 */
final class ExecutionQueue {

    /** No deadline. */
    static final long NO_DEADLINE = Long.MAX_VALUE;
    /** Level of requests whose timeout passed under the DELAY action: after every other level. */
    private static final int DELAYED = Integer.MAX_VALUE;

    /**
     * Where a request queues.
     *
     * @param level          priority level, 1 being served first
     * @param deadlineNanos  {@link System#nanoTime()} by which it must have a slot, or {@link #NO_DEADLINE}
     * @param delayOnTimeout whether a passed deadline only moves the request to the back
     * @param maxQueued      requests of this level that may wait at once
     * @param timeoutMicros  the timeout behind the deadline, for messages
     */
    record Ticket(int level, long deadlineNanos, boolean delayOnTimeout, int maxQueued, long timeoutMicros) {
    }

    private static final class Waiter {
        final int level;
        int position;
        final long sequence;
        final Condition turn;
        boolean granted;

        Waiter(int level, long sequence, Condition turn) {
            this.level = level;
            this.position = level;
            this.sequence = sequence;
            this.turn = turn;
        }
    }

    private final String label;
    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Waiter> waiting = new PriorityQueue<>(
            Comparator.<Waiter>comparingInt(w -> w.position).thenComparingLong(w -> w.sequence));
    private final Map<Integer, Integer> waitingPerLevel = new HashMap<>();
    private int slots = 1;
    private int busy;
    private long sequence;

    ExecutionQueue(String label) {
        this.label = label;
    }

    /** Sets the number of execution slots (the model's instance count); waiting requests take new ones at once. */
    void resize(int newSlots) {
        lock.lock();
        try {
            slots = Math.max(1, newSlots);
            while (busy < slots && !waiting.isEmpty()) {
                grant(waiting.poll());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes an execution slot, waiting for one if all are busy. Every successful call must be followed by
     * {@link #exit()}.
     *
     * @throws GantryException UNAVAILABLE (with a retry hint) when the level's queue is full, TIMEOUT when the
     *         deadline passes first
     */
    void enter(Ticket ticket) {
        lock.lock();
        try {
            if (busy < slots && waiting.isEmpty()) {
                busy++;
                return;
            }
            int queued = waitingPerLevel.getOrDefault(ticket.level(), 0);
            if (queued >= ticket.maxQueued()) {
                throw new GantryException(ErrorKind.UNAVAILABLE, String.format("the queue of %s is full (%d requests"
                        + " waiting at priority level %d); retry shortly", label, queued, ticket.level()), null, 1);
            }
            Waiter waiter = new Waiter(ticket.level(), sequence++, lock.newCondition());
            waiting.add(waiter);
            waitingPerLevel.merge(ticket.level(), 1, Integer::sum);
            long deadline = ticket.deadlineNanos();
            try {
                while (!waiter.granted) {
                    if (deadline == NO_DEADLINE) {
                        waiter.turn.await();
                        continue;
                    }
                    long left = deadline - System.nanoTime();
                    if (left > 0) {
                        waiter.turn.awaitNanos(left);
                    } else if (ticket.delayOnTimeout()) {
                        waiting.remove(waiter);
                        waiter.position = DELAYED;
                        waiting.add(waiter);
                        deadline = NO_DEADLINE;
                    } else {
                        waiting.remove(waiter);
                        throw new GantryException(ErrorKind.TIMEOUT, String.format("the request timed out: its"
                                + " timeout of %d µs passed while it waited in the queue of %s",
                                ticket.timeoutMicros(), label));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (waiter.granted) {
                    exitLocked();
                } else {
                    waiting.remove(waiter);
                }
                throw GantryException.unavailable("interrupted while waiting in the queue of %s", label);
            } finally {
                waitingPerLevel.merge(ticket.level(), -1, Integer::sum);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Gives the slot back, to the first waiting request if there is one. */
    void exit() {
        lock.lock();
        try {
            exitLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Requests waiting for a slot. */
    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    private void exitLocked() {
        busy--;
        if (busy < slots && !waiting.isEmpty()) {
            grant(waiting.poll());
        }
    }

    private void grant(Waiter waiter) {
        busy++;
        waiter.granted = true;
        waiter.turn.signal();
    }
}
