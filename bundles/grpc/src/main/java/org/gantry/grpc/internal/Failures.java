package org.gantry.grpc.internal;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Turns failures into gRPC statuses: Gantry's typed errors by their kind, with their message (meant for the
 * user); anything else INTERNAL, logged here with its stack trace, which never reaches the client.
 */
final class Failures {

    /** Seconds after which a retry may succeed, as HTTP's Retry-After says it. */
    static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);
    private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

    private Failures() {
    }

    static StatusRuntimeException status(Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            return status;
        }
        if (failure instanceof GantryException gantry) {
            Metadata trailers = new Metadata();
            gantry.retryAfterSeconds().ifPresent(seconds -> trailers.put(RETRY_AFTER, Integer.toString(seconds)));
            return code(gantry.kind()).withDescription(gantry.getMessage()).asRuntimeException(trailers);
        }
        LOG.error("Unexpected failure while serving a gRPC call", failure);
        return Status.INTERNAL.withDescription("internal error: " + failure).asRuntimeException();
    }

    /** The gRPC status of each kind of failure; the HTTP status of the same kind is in its comment. */
    static Status code(ErrorKind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT; // 400
            case UNAUTHENTICATED -> Status.UNAUTHENTICATED; // 401
            case NOT_FOUND -> Status.NOT_FOUND; // 404
            case CONFLICT -> Status.ALREADY_EXISTS; // 409: a model of that name is loaded or exists already
            case PAYLOAD_TOO_LARGE -> Status.RESOURCE_EXHAUSTED; // 413, as grpc-java reports a message too large
            case UNAVAILABLE -> Status.UNAVAILABLE; // 503
            case TIMEOUT -> Status.DEADLINE_EXCEEDED; // 504
            case INSUFFICIENT_MEMORY, INSUFFICIENT_STORAGE -> Status.RESOURCE_EXHAUSTED; // 507
            case INTERNAL -> Status.INTERNAL; // 500
        };
    }
}
