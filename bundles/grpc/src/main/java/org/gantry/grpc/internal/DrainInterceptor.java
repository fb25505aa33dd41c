package org.gantry.grpc.internal;

import java.util.Set;

import org.gantry.api.error.GantryException;
import org.gantry.api.server.Drain;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.HealthGrpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The gRPC side of the server's {@link Drain}, as {@code DrainFilter} is the HTTP side: every call but the health
 * probes is admitted before its message is read, and its admission is closed when the call ends, answered or
 * cancelled, so a drain waits for it. Once a drain has begun, a new call ends at once with UNAVAILABLE (which gRPC
 * clients and proxies retry on another node), while the probes go on answering, NOT_SERVING.
 */
final class DrainInterceptor implements ServerInterceptor {

    /** The probes: they must be able to say "not ready" while the server drains, and are not requests to wait for. */
    static final Set<String> PROBES = Set.of(GRPCInferenceServiceGrpc.getServerLiveMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getServerReadyMethod().getFullMethodName(),
            HealthGrpc.getCheckMethod().getFullMethodName(), HealthGrpc.getWatchMethod().getFullMethodName());

    private final Drain drain;

    DrainInterceptor(Drain drain) {
        this.drain = drain;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (PROBES.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        Drain.Admission admission;
        try {
            admission = drain.admit();
        } catch (GantryException draining) {
            call.close(Status.UNAVAILABLE.withDescription(draining.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        ServerCall<Q, R> closing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                try {
                    super.close(status, trailers);
                } finally {
                    admission.close();
                }
            }
        };
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(closing, headers);
        } catch (RuntimeException | Error e) {
            admission.close();
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    admission.close(); // the client went away: nothing is left to answer
                }
            }
        };
    }
}
