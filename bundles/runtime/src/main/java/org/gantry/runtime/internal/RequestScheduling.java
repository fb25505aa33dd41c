package org.gantry.runtime.internal;

import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.DynamicBatching;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.QueuePolicy;

/**
 * Reads the scheduling parameters Triton defines for a request ({@code priority}, {@code timeout} in
 * microseconds) and applies the model's queue policy to them, giving the request's place in the queue.
 */
final class RequestScheduling {

    static final String PRIORITY = "priority";
    static final String TIMEOUT = "timeout";

    private RequestScheduling() {
    }

    /** The request's own {@code timeout} in microseconds, 0 when it sets none. */
    static long timeoutMicros(InferenceRequest request) {
        return nonNegativeInteger(request, TIMEOUT);
    }

    /**
     * @param arrivedNanos          when the request arrived ({@link System#nanoTime()})
     * @param serverMaxQueueSize    the bound of a queue whose policy sets none
     */
    static ExecutionQueue.Ticket ticket(ModelConfig config, InferenceRequest request, long arrivedNanos,
            int serverMaxQueueSize) {
        DynamicBatching batching = config.dynamicBatching();
        long requestedPriority = nonNegativeInteger(request, PRIORITY);
        int level = 1;
        if (batching != null && batching.priorityLevels() > 0) {
            if (requestedPriority > batching.priorityLevels()) {
                throw GantryException.invalidArgument("priority %d is out of range: model '%s' has priority levels 1"
                        + " to %d (0 means the default, %d)", requestedPriority, config.name(),
                        batching.priorityLevels(), batching.defaultPriorityLevel());
            }
            level = requestedPriority == 0 ? batching.defaultPriorityLevel() : (int) requestedPriority;
        }
        QueuePolicy policy = batching == null ? QueuePolicy.DEFAULT : batching.queuePolicy(level);
        long timeout = effectiveTimeout(policy, timeoutMicros(request));
        long deadline = timeout == 0 ? ExecutionQueue.NO_DEADLINE
                : arrivedNanos + TimeUnit.MICROSECONDS.toNanos(timeout);
        int maxQueued = policy.maxQueueSize() > 0 ? policy.maxQueueSize() : serverMaxQueueSize;
        return new ExecutionQueue.Ticket(level, deadline,
                policy.timeoutAction() == QueuePolicy.TimeoutAction.DELAY, maxQueued, timeout);
    }

    /**
     * Triton's rule: a request may set its own timeout when the policy allows overrides, and then only a shorter
     * one than a non-zero default.
     */
    private static long effectiveTimeout(QueuePolicy policy, long requested) {
        long fallback = policy.defaultTimeoutMicros();
        if (requested == 0 || !policy.allowTimeoutOverride()) {
            return fallback;
        }
        return fallback == 0 ? requested : Math.min(requested, fallback);
    }

    private static long nonNegativeInteger(InferenceRequest request, String name) {
        Object value = request.parameters().get(name);
        if (value == null) {
            return 0;
        }
        if (value instanceof Number number) {
            try {
                long parsed = new BigDecimal(number.toString()).longValueExact();
                if (parsed >= 0) {
                    return parsed;
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // reported below
            }
        }
        throw GantryException.invalidArgument("request parameter '%s' must be a non-negative integer, not '%s'",
                name, value);
    }
}
