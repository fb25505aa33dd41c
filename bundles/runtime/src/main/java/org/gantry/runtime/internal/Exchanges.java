package org.gantry.runtime.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.traffic.Exchange;
import org.gantry.api.traffic.ExchangeInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ExchangeInterceptor} whiteboard as the request path calls it: a canary's routing before the version is
 * chosen, shadows and capture after the answer. With no interceptor registered both calls cost a list read; an
 * interceptor that throws is logged and the request goes on, since safe-update tooling must never fail a request.
 */
final class Exchanges {

    private static final Logger LOG = LoggerFactory.getLogger(Exchanges.class);

    private final List<ExchangeInterceptor> interceptors = new CopyOnWriteArrayList<>();

    void add(ExchangeInterceptor interceptor) {
        interceptors.add(interceptor);
    }

    void remove(ExchangeInterceptor interceptor) {
        interceptors.remove(interceptor);
    }

    /** The version the caller asked for, else the first interceptor's choice, else null (the version policy's). */
    String route(String model, String version, InferenceRequest request) {
        if (version != null || interceptors.isEmpty() || ExchangeInterceptor.isOwnRequest(request)) {
            return version;
        }
        for (ExchangeInterceptor interceptor : interceptors) {
            try {
                String chosen = interceptor.route(model, request);
                if (chosen != null) {
                    return chosen;
                }
            } catch (RuntimeException e) {
                LOG.warn("Exchange interceptor {} failed to route a request for '{}'", interceptor, model, e);
            }
        }
        return null;
    }

    /** Tells every interceptor about an answered request. */
    void answered(String model, boolean routed, InferenceRequest request, InferenceResponse response,
            long receivedNanos) {
        if (interceptors.isEmpty() || ExchangeInterceptor.isOwnRequest(request) || response == null) {
            return;
        }
        long duration = System.nanoTime() - receivedNanos;
        Exchange exchange = new Exchange(model, response.modelVersion(), routed, request, response,
                System.currentTimeMillis() - duration / 1_000_000, duration);
        for (ExchangeInterceptor interceptor : interceptors) {
            try {
                interceptor.exchanged(exchange);
            } catch (RuntimeException e) {
                LOG.warn("Exchange interceptor {} failed on a request for '{}'", interceptor, model, e);
            }
        }
    }
}
