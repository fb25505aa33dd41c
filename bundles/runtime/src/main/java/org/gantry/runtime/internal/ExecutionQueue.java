package org.gantry.runtime.internal;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.Tensor;

/**
 * The execution slots of one model version (for each configured instance, as many as its model's concurrency) and
 * the requests waiting for them, served by priority level (1 first) and then in arrival order. With dynamic
 * batching, the request that takes a free slot runs a batch: the first waiting request and those after it whose
 * inputs can be stacked with its own, up to the maximum batch size, waiting up to the queue delay for a preferred
 * size to fill. There is no scheduler thread: callers take turns running batches for each other.
 *
 * <p>A request that would exceed its level's queue bound is refused at once; one whose timeout passes before its
 * batch starts is refused, or, with the DELAY action, moved behind every request that has not timed out.
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
     * @param deadlineNanos  {@link System#nanoTime()} by which its batch must have started, or {@link #NO_DEADLINE}
     * @param delayOnTimeout whether a passed deadline only moves the request to the back
     * @param maxQueued      requests of this level that may wait at once
     * @param timeoutMicros  the timeout behind the deadline, for messages
     */
    record Ticket(int level, long deadlineNanos, boolean delayOnTimeout, int maxQueued, long timeoutMicros) {
    }

    /**
     * How requests are merged: none ({@link #NONE}), or Triton's dynamic batching.
     *
     * @param maxBatchSize        most rows in one execution
     * @param preferredBatchSizes row counts worth waiting for; empty means the maximum
     * @param maxDelayNanos       how long the oldest request of a batch may wait for others
     * @param preserveOrdering    whether requests return in arrival order
     */
    record Batching(int maxBatchSize, List<Integer> preferredBatchSizes, long maxDelayNanos, boolean preserveOrdering) {
        static final Batching NONE = new Batching(1, List.of(), 0, false);

        boolean merges() {
            return maxBatchSize > 1;
        }

        boolean worthDispatching(long rows) {
            return rows >= maxBatchSize || preferredBatchSizes.contains((int) rows);
        }
    }

    /**
     * Runs one batch (requests of one shape, stacked by the runner) on one instance of the model and returns each
     * request's outputs in order.
     */
    interface Runner {
        List<List<Tensor>> run(List<InferenceRequest> batch, int instance);
    }

    /** What a request gets: its outputs and when its batch started. */
    record Outcome(List<Tensor> outputs, long startedNanos) {
    }

    private enum State {
        WAITING,
        RUNNING,
        DONE
    }

    private static final class Entry {
        final InferenceRequest request;
        final long rows;
        /** Requests with equal keys can be stacked; null means never with another. */
        final Object shapeKey;
        final int level;
        final long sequence;
        final long arrivedNanos;
        final Runner runner;
        /** Signalled when this request's caller has something to do: its batch finished, or a slot is its to take. */
        final Condition wake;
        int position;
        State state = State.WAITING;
        List<Tensor> outputs;
        RuntimeException failure;
        long startedNanos;

        Entry(InferenceRequest request, long rows, Object shapeKey, int level, long sequence, Runner runner,
                Condition wake) {
            this.request = request;
            this.rows = rows;
            this.shapeKey = shapeKey;
            this.level = level;
            this.position = level;
            this.sequence = sequence;
            this.arrivedNanos = System.nanoTime();
            this.runner = runner;
            this.wake = wake;
        }
    }

    private final String label;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Signalled on an arrival (a batch filling up waits for it), a returned request (callers keeping arrival order wait
     * for their turn) and a new configuration. A caller waiting for its own request waits on that request's
     * {@link Entry#wake} instead: waking every caller at every change cost each finished request a wake-up of every
     * waiting caller, and the slot stayed idle while they fought over the lock.
     */
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Entry> waiting = new PriorityQueue<>(
            Comparator.<Entry>comparingInt(e -> e.position).thenComparingLong(e -> e.sequence));
    private final Map<Integer, Integer> waitingPerLevel = new HashMap<>();
    /** Requests not yet returned, for preserve_ordering. */
    private final TreeSet<Long> unreturned = new TreeSet<>();
    private Batching batching = Batching.NONE;
    private int slots = 1;
    private int busy;
    /** Which slots (instances) are taken. */
    private final BitSet taken = new BitSet();
    private long sequence;

    ExecutionQueue(String label) {
        this.label = label;
    }

    /** Sets the number of execution slots (instances times their concurrency) and how requests are batched. */
    void configure(int newSlots, Batching newBatching) {
        lock.lock();
        try {
            slots = Math.max(1, newSlots);
            batching = newBatching;
            changed.signalAll();
            wakeNextIfSlotFree();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues a request and returns its outputs once a batch holding it has run (on this thread or another).
     *
     * @param rows      the request's batch size (1 without a batch dimension)
     * @param stackable whether the request may be stacked with others of its shape (false: it runs alone)
     * @throws GantryException UNAVAILABLE (with a retry hint) when the level's queue is full, TIMEOUT when the
     *         deadline passes before the request's batch starts, or whatever running its batch threw
     */
    Outcome submit(InferenceRequest request, long rows, boolean stackable, Ticket ticket, Runner runner) {
        Entry entry = null;
        lock.lock();
        try {
            int queued = waitingPerLevel.getOrDefault(ticket.level(), 0);
            if (queued >= ticket.maxQueued() && (busy >= slots || !waiting.isEmpty())) {
                throw new GantryException(ErrorKind.UNAVAILABLE, String.format("the queue of %s is full (%d requests"
                        + " waiting at priority level %d); retry shortly", label, queued, ticket.level()), null, 1);
            }
            // The shape key is only worth building when this model batches.
            Object shapeKey = stackable && batching.merges() ? Batches.shapeKey(request) : null;
            entry = new Entry(request, rows, shapeKey, ticket.level(), sequence++, runner, lock.newCondition());
            waiting.add(entry);
            waitingPerLevel.merge(entry.level, 1, Integer::sum);
            unreturned.add(entry.sequence);
            changed.signalAll();
            long deadline = ticket.deadlineNanos();
            while (entry.state != State.DONE) {
                if (entry.state == State.WAITING && busy < slots) {
                    busy++;
                    int instance = taken.nextClearBit(0);
                    taken.set(instance);
                    lock.unlock();
                    try {
                        runBatch(instance, entry);
                    } finally {
                        lock.lock();
                    }
                    continue;
                }
                if (entry.state != State.WAITING || deadline == NO_DEADLINE) {
                    entry.wake.await();
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    entry.wake.awaitNanos(left);
                } else if (ticket.delayOnTimeout()) {
                    waiting.remove(entry);
                    entry.position = DELAYED;
                    waiting.add(entry);
                    deadline = NO_DEADLINE;
                } else {
                    dequeue(entry);
                    throw new GantryException(ErrorKind.TIMEOUT, String.format("the request timed out: its timeout"
                            + " of %d µs passed while it waited in the queue of %s", ticket.timeoutMicros(), label));
                }
            }
            if (batching.preserveOrdering()) {
                while (unreturned.first() != entry.sequence) {
                    changed.await();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (entry != null && entry.state == State.WAITING) {
                dequeue(entry);
            }
            throw GantryException.unavailable("interrupted while waiting in the queue of %s", label);
        } finally {
            if (entry != null && entry.state == State.DONE) {
                unreturned.remove(entry.sequence);
                changed.signalAll();
            }
            lock.unlock();
        }
        if (entry.failure != null) {
            throw entry.failure;
        }
        return new Outcome(entry.outputs, entry.startedNanos);
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

    /** Removes a request that leaves without running (timed out or interrupted). Called under the lock. */
    private void dequeue(Entry entry) {
        waiting.remove(entry);
        waitingPerLevel.merge(entry.level, -1, Integer::sum);
        unreturned.remove(entry.sequence);
        changed.signalAll();
        wakeNextIfSlotFree(); // it may have been woken to take a free slot
    }

    /**
     * When a slot is free and requests wait, wakes the caller of the first of them to take it (one caller, not all;
     * a caller that takes a slot wakes the next in turn while slots remain). Called under the lock.
     */
    private void wakeNextIfSlotFree() {
        Entry next = busy < slots ? waiting.peek() : null;
        if (next != null) {
            next.wake.signal();
        }
    }

    /**
     * Runs one batch in a slot this thread holds, then gives the slot back: to this thread's own request if it still
     * waits (its caller takes the slot again without a wake-up), else to the next waiting request's caller.
     */
    private void runBatch(int instance, Entry own) {
        List<Entry> batch = List.of();
        lock.lock();
        try {
            batch = takeBatch();
            wakeNextIfSlotFree(); // more slots free than this one: the next waiting request's caller takes one
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller's own wait notices it
        } finally {
            if (batch.isEmpty()) {
                busy--;
                taken.clear(instance);
                handOverSlot(own);
            }
            lock.unlock();
        }
        if (batch.isEmpty()) {
            return;
        }
        List<List<Tensor>> results = null;
        RuntimeException failure = null;
        try {
            // Stacked requests share their shape and model, so the first one's runner serves them all.
            results = batch.get(0).runner.run(batch.stream().map(e -> e.request).toList(), instance);
        } catch (RuntimeException e) {
            failure = e;
        }
        lock.lock();
        try {
            for (int i = 0; i < batch.size(); i++) {
                Entry entry = batch.get(i);
                entry.outputs = results == null ? null : results.get(i);
                entry.failure = failure;
                entry.state = State.DONE;
                entry.wake.signal();
            }
            busy--;
            taken.clear(instance);
            handOverSlot(own);
        } finally {
            lock.unlock();
        }
    }

    /** A slot was given back: its next user is this thread's own waiting request, else the first waiting one's. */
    private void handOverSlot(Entry own) {
        if (own.state != State.WAITING) {
            wakeNextIfSlotFree();
        }
    }

    /**
     * Takes the first waiting request and, with batching, the ones that stack with it, waiting up to the queue
     * delay for a worthwhile batch. Called under the lock; returns an empty list when nothing waits.
     */
    private List<Entry> takeBatch() throws InterruptedException {
        while (true) {
            Entry head = waiting.peek();
            if (head == null) {
                return List.of();
            }
            List<Entry> batch = new ArrayList<>(List.of(head));
            long rows = head.rows;
            if (head.shapeKey != null) {
                List<Entry> candidates = new ArrayList<>(waiting);
                candidates.sort(waiting.comparator());
                for (Entry candidate : candidates) {
                    if (candidate != head && head.shapeKey.equals(candidate.shapeKey)
                            && rows + candidate.rows <= batching.maxBatchSize()) {
                        batch.add(candidate);
                        rows += candidate.rows;
                    }
                }
                long waitLeft = head.arrivedNanos + batching.maxDelayNanos() - System.nanoTime();
                if (!batching.worthDispatching(rows) && waitLeft > 0) {
                    changed.awaitNanos(waitLeft); // more requests may arrive; then look again
                    continue;
                }
            }
            long started = System.nanoTime();
            for (Entry entry : batch) {
                waiting.remove(entry);
                waitingPerLevel.merge(entry.level, -1, Integer::sum);
                entry.state = State.RUNNING;
                entry.startedNanos = started;
            }
            return batch;
        }
    }
}
