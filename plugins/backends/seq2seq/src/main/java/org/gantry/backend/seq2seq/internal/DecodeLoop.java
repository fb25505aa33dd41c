package org.gantry.backend.seq2seq.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.gantry.api.error.GantryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

/**
 * The decode loop of one loaded model: one thread runs decoder steps for every running sequence at once
 * (iteration-level batching). Sequences join between steps and leave when done; the batch keeps the encoder
 * states and the decoder's key/value cache across steps, so no step recomputes a prefix.
 *
 * <p>Layout: rows are decoder rows (a request, or one beam of it). The cache is {@code [L, rows, h, T, dh]},
 * right-aligned: a row that has decoded {@code c} tokens holds them in the last {@code c} columns and the columns
 * before are masked padding, so one step appends one column for everyone. Encoder states are {@code [rows, S, d]},
 * left-aligned with a mask. Columns nobody needs any more are trimmed.
 */
final class DecodeLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(DecodeLoop.class);

    private final String label;
    private final Model decoder;
    private final ModelShape shape;
    private final DecodeStatistics statistics;
    private final ConcurrentLinkedQueue<Sequence> joining = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Thread thread;
    private volatile boolean running = true;

    // Loop-thread state.
    private final List<Sequence> sequences = new ArrayList<>();
    private NDManager stateManager;
    private NDArray encoderHidden;
    private NDArray encoderMask;
    private NDArray pastK;
    private NDArray pastV;

    DecodeLoop(String label, Model decoder, ModelShape shape, DecodeStatistics statistics) {
        this.label = label;
        this.decoder = decoder;
        this.shape = shape;
        this.statistics = statistics;
        this.thread = new Thread(this, "gantry-seq2seq-" + label);
        thread.setDaemon(true);
        thread.start();
    }

    /** Hands a sequence to the loop; it joins the batch before the next step. */
    void submit(Sequence sequence) {
        if (!running) {
            throw GantryException.unavailable("model %s is closing", label);
        }
        joining.add(sequence);
        if (!running && joining.remove(sequence)) { // the loop ended between the check and the add
            throw GantryException.unavailable("model %s is closing", label);
        }
        lock.lock();
        try {
            arrived.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the loop; running and waiting sequences get an UNAVAILABLE failure. */
    void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        try {
            while (running) {
                if (sequences.isEmpty() && joining.isEmpty()) {
                    awaitArrival();
                    continue;
                }
                admit();
                if (!sequences.isEmpty()) {
                    step();
                }
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.error("The decode loop of {} failed", label, e);
            failAll(GantryException.internal("the decode loop of " + label + " failed: " + e, e));
            return;
        }
        failAll(GantryException.unavailable("model %s was unloaded while the request ran", label));
    }

    private void awaitArrival() {
        lock.lock();
        try {
            if (joining.isEmpty() && running) {
                arrived.await(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            running = false;
        } finally {
            lock.unlock();
        }
    }

    /** Adds waiting sequences to the batch: zero cache rows (masked), encoder states padded to the longest. */
    private void admit() {
        List<Sequence> added = new ArrayList<>();
        for (Sequence next; (next = joining.poll()) != null;) {
            if (next.cancelled()) {
                next.removed.countDown();
            } else {
                added.add(next);
            }
        }
        if (added.isEmpty()) {
            return;
        }
        NDManager next = NDManager.newBaseManager(decoder.getNDManager().getDevice());
        int width = encoderHidden == null ? 0 : (int) encoderHidden.getShape().get(1);
        for (Sequence sequence : added) {
            width = Math.max(width, sequence.sourceLength);
        }
        NDList hidden = new NDList();
        NDList masks = new NDList();
        if (encoderHidden != null) {
            hidden.add(padColumns(next, encoderHidden, width, 1));
            masks.add(padColumns(next, encoderMask, width, 1));
        }
        int newRows = 0;
        for (Sequence sequence : added) {
            NDArray own = padColumns(next, sequence.encoderHidden, width, 1);
            long[] ones = new long[width];
            java.util.Arrays.fill(ones, 0, sequence.sourceLength, 1L);
            NDArray mask = next.create(ones, new Shape(1, width));
            for (int r = 0; r < sequence.rows(); r++) {
                hidden.add(own);
                masks.add(mask);
            }
            newRows += sequence.rows();
        }
        int columns = pastK == null ? 0 : (int) pastK.getShape().get(3);
        Shape empty = new Shape(shape.layers(), newRows, shape.heads(), columns, shape.headSize());
        NDArray k = next.zeros(empty);
        NDArray v = next.zeros(empty);
        if (pastK != null) {
            k = NDArrays.concat(new NDList(pastK, k), 1);
            v = NDArrays.concat(new NDList(pastV, v), 1);
        }
        replaceState(next, NDArrays.concat(hidden, 0), NDArrays.concat(masks, 0), k, v);
        sequences.addAll(added);
    }

    /** {@code array} with zeros appended along {@code axis} up to {@code width}, in {@code manager}. */
    private static NDArray padColumns(NDManager manager, NDArray array, int width, int axis) {
        long have = array.getShape().get(axis);
        if (have == width) {
            return array;
        }
        long[] dims = array.getShape().getShape();
        dims[axis] = width - have;
        NDArray zeros = manager.zeros(new Shape(dims), array.getDataType());
        return NDArrays.concat(new NDList(array, zeros), axis);
    }

    private void step() {
        int rows = 0;
        for (Sequence sequence : sequences) {
            rows += sequence.rows();
        }
        int columns = (int) pastK.getShape().get(3);
        NDManager next = NDManager.newBaseManager(decoder.getNDManager().getDevice());
        long[] tokens = new long[rows];
        long[] positions = new long[rows];
        long[] selfMask = new long[rows * (columns + 1)];
        int row = 0;
        for (Sequence sequence : sequences) {
            for (int r = 0; r < sequence.rows(); r++, row++) {
                tokens[row] = sequence.inputToken(r);
                positions[row] = sequence.steps;
                // Right-aligned: this row's cached tokens and the current one are the last steps + 1 columns.
                java.util.Arrays.fill(selfMask, row * (columns + 1) + columns - sequence.steps,
                        (row + 1) * (columns + 1),
                        1L);
            }
        }
        statistics.step(rows);
        NDList inputs = new NDList(next.create(tokens, new Shape(rows, 1)), next.create(positions, new Shape(rows, 1)),
                encoderHidden, encoderMask, pastK, pastV, next.create(selfMask, new Shape(rows, columns + 1)));
        NDList outputs = decoder.getBlock().forward(new ParameterStore(next, false), inputs, false);
        outputs.attach(next);
        float[] logits = outputs.get(0).toFloatArray();
        NDArray k = outputs.get(1);
        NDArray v = outputs.get(2);

        // Each sequence picks its next tokens; the rows it continues form the gather index of the next state.
        List<Long> keep = new ArrayList<>(rows);
        List<Sequence> done = new ArrayList<>();
        int first = 0;
        int longestSource = 0;
        int longestCache = 0;
        for (Sequence sequence : sequences) {
            int own = sequence.rows();
            int[] parents = sequence.advance(logits, first, shape.vocabulary());
            for (int parent : parents) {
                keep.add((long) (first + parent));
            }
            if (parents.length == 0) {
                done.add(sequence);
            } else {
                longestSource = Math.max(longestSource, sequence.sourceLength);
                longestCache = Math.max(longestCache, sequence.steps);
            }
            first += own;
        }
        sequences.removeAll(done);
        if (sequences.isEmpty()) {
            next.close();
            clearState();
        } else {
            NDArray hidden = encoderHidden;
            NDArray mask = encoderMask;
            boolean identity = keep.size() == rows;
            for (int i = 0; identity && i < rows; i++) {
                identity = keep.get(i) == i;
            }
            if (!identity) {
                NDArray index = next.create(keep.stream().mapToLong(Long::longValue).toArray());
                k = k.get(new NDIndex(":, {}", index));
                v = v.get(new NDIndex(":, {}", index));
                hidden = hidden.get(new NDIndex("{}", index));
                mask = mask.get(new NDIndex("{}", index));
            }
            if (longestCache < columns + 1) { // the longest-running rows left: drop columns only they used
                String from = ":, :, :, " + (columns + 1 - longestCache) + ":";
                k = k.get(new NDIndex(from));
                v = v.get(new NDIndex(from));
            }
            if (longestSource < hidden.getShape().get(1)) {
                hidden = hidden.get(new NDIndex(":, :" + longestSource));
                mask = mask.get(new NDIndex(":, :" + longestSource));
            }
            replaceState(next, hidden, mask, k, v);
        }
        for (Sequence sequence : done) {
            sequence.removed.countDown();
        }
    }

    /** Makes these arrays the batch state, owned by {@code next}, and frees everything the previous state owned. */
    private void replaceState(NDManager next, NDArray hidden, NDArray mask, NDArray k, NDArray v) {
        for (NDArray array : List.of(hidden, mask, k, v)) {
            array.attach(next);
        }
        NDManager previous = stateManager;
        stateManager = next;
        encoderHidden = hidden;
        encoderMask = mask;
        pastK = k;
        pastV = v;
        if (previous != null) {
            previous.close();
        }
    }

    private void clearState() {
        if (stateManager != null) {
            stateManager.close();
        }
        stateManager = null;
        encoderHidden = null;
        encoderMask = null;
        pastK = null;
        pastV = null;
    }

    private void failAll(GantryException failure) {
        running = false;
        List<Sequence> all = new ArrayList<>(sequences);
        sequences.clear();
        for (Sequence next; (next = joining.poll()) != null;) {
            all.add(next);
        }
        try {
            clearState();
        } catch (RuntimeException e) {
            LOG.warn("Freeing the decode state of {} failed", label, e);
        }
        for (Sequence sequence : all) {
            sequence.events.add(new Sequence.Failure(failure));
            sequence.removed.countDown();
        }
    }

    /** Whether the loop thread still runs (for tests). */
    boolean alive() {
        return thread.isAlive();
    }

    /** Dimensions read from the decoder at load time. */
    record ModelShape(int layers, int heads, int headSize, int hidden, int vocabulary) {
        /** Bytes of one row's cached keys and values per decoded token (FP32). */
        long cacheBytesPerToken() {
            return 2L * layers * heads * headSize * Float.BYTES;
        }
    }
}
