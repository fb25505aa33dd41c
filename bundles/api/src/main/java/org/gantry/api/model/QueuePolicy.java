package org.gantry.api.model;

import java.util.Objects;

/**
 * How long requests may wait in a model's queue and how many may wait (Triton's {@code ModelQueuePolicy}).
 *
 * @param timeoutAction        what happens to a request whose timeout expires while queued
 * @param defaultTimeoutMicros timeout of requests that set none; 0 means no timeout
 * @param allowTimeoutOverride whether a request's {@code timeout} parameter may replace the default (it may
 *                             only shorten it when the default is not 0)
 * @param maxQueueSize         requests that may wait; 0 means the server's own bound
 */
public record QueuePolicy(TimeoutAction timeoutAction, long defaultTimeoutMicros, boolean allowTimeoutOverride,
        int maxQueueSize) {

    /** Triton's defaults: no timeout, overrides allowed, the server's bound. */
    public static final QueuePolicy DEFAULT = new QueuePolicy(TimeoutAction.REJECT, 0, true, 0);

    /** Triton's {@code ModelQueuePolicy.TimeoutAction}. */
    public enum TimeoutAction {
        /** The request fails with a timeout. */
        REJECT,
        /** The request stays queued behind every request that has not timed out. */
        DELAY
    }

    public QueuePolicy {
        timeoutAction = Objects.requireNonNullElse(timeoutAction, TimeoutAction.REJECT);
        if (defaultTimeoutMicros < 0 || maxQueueSize < 0) {
            throw new IllegalArgumentException("queue policy values must not be negative");
        }
    }
}
