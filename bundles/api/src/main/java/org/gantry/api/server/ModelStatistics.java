package org.gantry.api.server;

import java.util.List;

/**
 * One model version's statistics, in the shape of Triton's statistics extension.
 *
 * @param name               the model name
 * @param version            the version
 * @param lastInferenceMillis epoch milliseconds of the last inference, 0 if none
 * @param inferenceCount     inferences performed (a batch of n counts n)
 * @param executionCount     model executions
 * @param success            successful requests and their total time from arrival to answer
 * @param fail               failed requests and their total time
 * @param queue              time from arrival until the model was ready to run the request (cold starts included)
 * @param computeInput       time checking and preparing inputs
 * @param computeInfer       time in the backend
 * @param computeOutput      time selecting outputs and building the answer
 * @param memoryUsage        memory the version holds, from its lease
 * @param batchStats         executions per batch size, ascending by batch size
 */
public record ModelStatistics(String name, String version, long lastInferenceMillis, long inferenceCount,
        long executionCount, Duration success, Duration fail, Duration queue, Duration computeInput,
        Duration computeInfer, Duration computeOutput, List<MemoryUsage> memoryUsage,
        List<BatchStatistics> batchStats) {

    public ModelStatistics {
        memoryUsage = List.copyOf(memoryUsage);
        batchStats = List.copyOf(batchStats);
    }

    /**
     * The executions of one batch size (Triton's {@code batch_stats} entry); each duration counts executions.
     *
     * @param batchSize     the batch size executed (1 for models without a batch dimension)
     * @param computeInput  time preparing inputs for those executions
     * @param computeInfer  time in the backend
     * @param computeOutput time building outputs
     */
    public record BatchStatistics(long batchSize, Duration computeInput, Duration computeInfer,
            Duration computeOutput) {
    }

    /** A count and the nanoseconds they took together. */
    public record Duration(long count, long nanos) {
    }

    /**
     * Memory held on one device.
     *
     * @param type  {@code CPU} or {@code GPU}, as Triton reports it
     * @param id    the device index
     * @param bytes bytes held
     */
    public record MemoryUsage(String type, int id, long bytes) {
    }
}
