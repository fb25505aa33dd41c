package org.gantry.runtime.internal;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.traffic.Exchange;
import org.gantry.api.traffic.ExchangeInterceptor;

/**
 * The {@link ExchangeInterceptor} whiteboard as the request path calls it: a canary's routing before the version is
 * chosen, shadows and capture after the answer. With no interceptor registered both calls cost a list read; an
 * interceptor that throws is logged and the request goes on, since safe-update tooling must never fail a request.
 */
final class Exchanges extends Whiteboard<ExchangeInterceptor> {

    Exchanges() {
        super("Exchange interceptor");
    }

    /** The version the caller asked for, else the first interceptor's choice, else null (the version policy's). */
    String route(String model, String version, InferenceRequest request) {
        if (version != null || isEmpty() || ExchangeInterceptor.isOwnRequest(request)) {
            return version;
        }
        return firstAnswer(interceptor -> interceptor.route(model, request), "to route a request for '{}'", model);
    }

    /** Tells every interceptor about an answered request. */
    void answered(String model, boolean routed, InferenceRequest request, InferenceResponse response,
            long receivedNanos) {
        if (isEmpty() || ExchangeInterceptor.isOwnRequest(request) || response == null) {
            return;
        }
        long duration = System.nanoTime() - receivedNanos;
        Exchange exchange = new Exchange(model, response.modelVersion(), routed, request, response,
                System.currentTimeMillis() - duration / 1_000_000, duration);
        callEach(interceptor -> interceptor.exchanged(exchange), "on a request for '{}'", model);
    }
}
