package org.gantry.grpc.internal;

import org.gantry.api.server.ModelServer;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.HealthGrpc;
import org.gantry.grpc.proto.HealthProto.HealthCheckRequest;
import org.gantry.grpc.proto.HealthProto.HealthCheckResponse;
import org.gantry.grpc.proto.HealthProto.HealthCheckResponse.ServingStatus;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * gRPC's standard health check, for Kubernetes gRPC probes and load balancers: the server, and its inference
 * service, are SERVING when the server is ready, as {@code ServerReady} and {@code /v2/health/ready} say.
 */
final class HealthService extends HealthGrpc.HealthImplBase {

    private final ModelServer server;
    private final CallRunner calls;

    HealthService(ModelServer server, CallRunner calls) {
        this.server = server;
        this.calls = calls;
    }

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> responses) {
        String service = request.getService();
        if (!service.isEmpty() && !service.equals(GRPCInferenceServiceGrpc.SERVICE_NAME)) {
            responses.onError(Status.NOT_FOUND.withDescription("no service '" + service + "' here")
                    .asRuntimeException());
            return;
        }
        // Readiness reads the model repository, which may be slow storage: not on Netty's threads.
        calls.answer(responses, () -> HealthCheckResponse.newBuilder()
                .setStatus(server.isReady() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING).build());
    }
}
