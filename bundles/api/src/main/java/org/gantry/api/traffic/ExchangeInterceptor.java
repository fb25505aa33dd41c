package org.gantry.api.traffic;

import org.gantry.api.inference.InferenceRequest;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A whiteboard service the runtime calls around every {@code ModelServer.infer}: {@link #route} before a version is
 * chosen, {@link #exchanged} after the answer exists and before the caller gets it. Both run on the request's thread,
 * so they must take microseconds and never block: anything slower (running a shadow, writing a file) is handed to a
 * thread of the implementation's own. An exception thrown here is logged and ignored; it never fails the request.
 */
@ConsumerType
public interface ExchangeInterceptor {

    /**
     * Request parameter that marks a request a {@link ExchangeInterceptor} sent itself (a shadow's copy): no
     * interceptor routes, shadows or captures it again.
     */
    String ORIGIN_PARAMETER = "gantry_origin";

    /** Request parameter whose value keeps a caller on one side of a traffic split (sticky canaries). */
    String ROUTING_KEY_PARAMETER = "routing_key";

    /**
     * The version to serve a request that names none, or null to leave the choice to the version policy. Called only
     * for requests without a version; the first interceptor that answers decides.
     */
    default String route(String model, InferenceRequest request) {
        return null;
    }

    /** A request was answered successfully (its response is about to be returned to the caller). */
    default void exchanged(Exchange exchange) {
    }

    /** Whether a request was sent by an interceptor itself (see {@link #ORIGIN_PARAMETER}). */
    static boolean isOwnRequest(InferenceRequest request) {
        return request.parameters().containsKey(ORIGIN_PARAMETER);
    }
}
