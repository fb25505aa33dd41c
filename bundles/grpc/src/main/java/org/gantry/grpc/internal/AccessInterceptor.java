package org.gantry.grpc.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.HealthGrpc;
import org.gantry.protocol.access.Access;
import org.gantry.protocol.access.AccessPolicy;
import org.gantry.protocol.access.Refusal;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Lets a call reach its service only when {@link AccessPolicy} says it may, before the request message is read:
 * a refused call changes nothing. The decision is the protocol bundle's, the HTTP API's own; here it is said as a
 * gRPC status: UNAUTHENTICATED asks for a token, PERMISSION_DENIED says no token would do from where the call came.
 * Each RPC's access is listed here by its full method name, as the HTTP API reads it from its resource methods; an
 * RPC missing from the list is management, the strictest.
 */
final class AccessInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final String HOW_TO_SEND = "metadata 'authorization: Bearer <token>'";

    /** The access of every RPC Gantry serves, as on HTTP: health is open, model changes are management. */
    static final Map<String, Access> ACCESS = Stream.of(
            rpcs(Access.OPEN, GRPCInferenceServiceGrpc.getServerLiveMethod(),
                    GRPCInferenceServiceGrpc.getServerReadyMethod(), HealthGrpc.getCheckMethod(),
                    HealthGrpc.getWatchMethod()),
            rpcs(Access.INFERENCE, GRPCInferenceServiceGrpc.getModelReadyMethod(),
                    GRPCInferenceServiceGrpc.getServerMetadataMethod(),
                    GRPCInferenceServiceGrpc.getModelMetadataMethod(),
                    GRPCInferenceServiceGrpc.getModelInferMethod(),
                    GRPCInferenceServiceGrpc.getModelStreamInferMethod(),
                    GRPCInferenceServiceGrpc.getModelConfigMethod(),
                    GRPCInferenceServiceGrpc.getModelStatisticsMethod(),
                    GRPCInferenceServiceGrpc.getRepositoryIndexMethod()),
            rpcs(Access.MANAGEMENT, GRPCInferenceServiceGrpc.getRepositoryModelLoadMethod(),
                    GRPCInferenceServiceGrpc.getRepositoryModelUnloadMethod()))
            .flatMap(Function.identity())
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

    private final AccessPolicy policy;

    AccessInterceptor(AccessPolicy policy) {
        this.policy = policy;
    }

    /** The RPCs' full method names, each with the same access. */
    private static Stream<Map.Entry<String, Access>> rpcs(Access access, MethodDescriptor<?, ?>... methods) {
        return Arrays.stream(methods).map(method -> Map.entry(method.getFullMethodName(), access));
    }

    static Access accessOf(String fullMethodName) {
        return ACCESS.getOrDefault(fullMethodName, Access.MANAGEMENT);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Refusal refusal = policy.refusal(accessOf(call.getMethodDescriptor().getFullMethodName()),
                headers.get(AUTHORIZATION), isLoopback(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
        if (refusal != null) {
            call.close(status(refusal), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }

    /** A refusal as gRPC says it, with the HTTP API's reason in the words of an RPC. */
    static Status status(Refusal refusal) {
        Status status = refusal.needsToken() ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED;
        return status.withDescription(refusal.message("RPC", HOW_TO_SEND));
    }

    /** Whether a peer is on the loopback interface; a peer of another kind (in-process, unknown) is not. */
    static boolean isLoopback(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                && inet.getAddress().isLoopbackAddress();
    }
}
