package org.gantry.api.traffic;

import java.util.Objects;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;

/**
 * One answered request, as {@link ExchangeInterceptor#exchanged} sees it.
 *
 * @param model            the model asked for
 * @param servedVersion    the version that answered
 * @param routed           whether an interceptor chose that version (a canary split), rather than the caller or the
 *                         version policy
 * @param request          the request as the caller sent it
 * @param response         the answer
 * @param receivedAtMillis epoch milliseconds when the runtime got the request
 * @param durationNanos    time in the runtime, from receipt to the answer
 */
public record Exchange(String model, String servedVersion, boolean routed, InferenceRequest request,
        InferenceResponse response, long receivedAtMillis, long durationNanos) {

    public Exchange {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(response, "response");
    }
}
