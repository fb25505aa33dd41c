package org.gantry.api.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Triton's {@code dynamic_batching}: how a model's queued requests are merged and ordered.
 *
 * @param preferredBatchSizes     batch sizes the scheduler aims for; empty means as large as possible
 * @param maxQueueDelayMicros     how long a request may wait for others to join its batch
 * @param preserveOrdering        whether responses leave in the order requests arrived
 * @param priorityLevels          number of priority levels (1 is the highest); 0 means priorities are off
 * @param defaultPriorityLevel    level of requests that set none
 * @param defaultQueuePolicy      queue policy of every level without its own
 * @param priorityQueuePolicies   queue policies per priority level
 */
public record DynamicBatching(List<Integer> preferredBatchSizes, long maxQueueDelayMicros, boolean preserveOrdering,
        int priorityLevels, int defaultPriorityLevel, QueuePolicy defaultQueuePolicy,
        Map<Integer, QueuePolicy> priorityQueuePolicies) {

    public DynamicBatching {
        preferredBatchSizes = List.copyOf(Objects.requireNonNullElse(preferredBatchSizes, List.of()));
        defaultQueuePolicy = Objects.requireNonNullElse(defaultQueuePolicy, QueuePolicy.DEFAULT);
        priorityQueuePolicies = Map.copyOf(Objects.requireNonNullElse(priorityQueuePolicies, Map.of()));
        if (maxQueueDelayMicros < 0 || priorityLevels < 0 || defaultPriorityLevel < 0
                || defaultPriorityLevel > priorityLevels) {
            throw new IllegalArgumentException("invalid dynamic_batching: priority levels " + priorityLevels
                    + ", default level " + defaultPriorityLevel + ", max queue delay " + maxQueueDelayMicros);
        }
    }

    /** The queue policy of a priority level (1-based; 0 means the default level). */
    public QueuePolicy queuePolicy(int level) {
        return priorityQueuePolicies.getOrDefault(level, defaultQueuePolicy);
    }
}
