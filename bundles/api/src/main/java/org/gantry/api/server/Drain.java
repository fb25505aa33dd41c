package org.gantry.api.server;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The server's graceful drain: how a node leaves a cluster without failing a request. Once a drain begins, the
 * server says it is not ready ({@link ModelServer#isReady()} is false, so load balancers and orchestrators stop
 * sending to it), front ends refuse new requests with 503 and {@code Retry-After} (a proxy retries them on another
 * node), and the requests admitted before finish, for at most the drain timeout. Then the server stops.
 *
 * <p>Front ends (REST, gRPC) take an {@link Admission} for every request they serve other than health probes and
 * metrics scrapes, and close it once the response has been sent: admissions are the in-flight requests a drain
 * waits for.
 */
@ProviderType
public interface Drain {

    /** Whether a drain has begun. It never ends: a drained server stops. */
    boolean isDraining();

    /**
     * Admits a new request. Close the admission when the request has been answered; closing twice is harmless.
     *
     * @throws org.gantry.api.error.GantryException UNAVAILABLE, with a retry hint, once a drain has begun
     */
    Admission admit();

    /** Requests admitted and not yet answered. */
    int inFlight();

    /** Seconds a drain waits for requests in flight before the server stops regardless. */
    int timeoutSeconds();

    /**
     * Begins a drain if none has begun, and waits until the requests in flight have been answered or the drain
     * timeout, counted from the drain's beginning, has passed.
     *
     * @return whether every request in flight was answered in time
     */
    boolean drain();

    /** Begins a drain and, once it is over, stops the server (the process exits). Returns at once. */
    void drainAndStop();

    /** One admitted request. */
    @ProviderType
    interface Admission extends AutoCloseable {

        /** The request has been answered. */
        @Override
        void close();
    }
}
