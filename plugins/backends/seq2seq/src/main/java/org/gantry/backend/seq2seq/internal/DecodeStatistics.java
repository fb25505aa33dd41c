package org.gantry.backend.seq2seq.internal;

import java.util.Arrays;

/** Decoder rows per decode step, as a histogram: how well requests were batched. Thread-safe. */
final class DecodeStatistics {

    private long[] histogram = new long[33];
    private long steps;
    private long rows;
    private int maxRows;

    synchronized void step(int batchRows) {
        if (batchRows >= histogram.length) {
            histogram = Arrays.copyOf(histogram, Math.max(batchRows + 1, histogram.length * 2));
        }
        histogram[batchRows]++;
        steps++;
        rows += batchRows;
        maxRows = Math.max(maxRows, batchRows);
    }

    /** A consistent copy. */
    synchronized Snapshot snapshot() {
        return new Snapshot(steps, rows, maxRows, Arrays.copyOf(histogram, maxRows + 1));
    }

    /**
     * @param steps     decode steps run
     * @param rows      decoder rows over all steps (tokens computed, beams included)
     * @param maxRows   the largest batch of one step
     * @param histogram steps per batch size (index: rows)
     */
    record Snapshot(long steps, long rows, int maxRows, long[] histogram) {
        double meanRows() {
            return steps == 0 ? 0 : (double) rows / steps;
        }

        @Override
        public String toString() {
            return "steps=" + steps + " rows=" + rows + " maxRows=" + maxRows + " histogram="
                    + Arrays.toString(histogram);
        }
    }
}
