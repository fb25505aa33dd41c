package org.gantry.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.RepositoryModelLoadRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** The component on a real port, as the distribution runs it (Netty, NIO), with a small message limit. */
class GrpcServerTest {

    private static final int LIMIT = 64 * 1024;

    private final FakeModelServer models = new FakeModelServer();
    private GrpcServer server;
    private ManagedChannel channel;

    private GRPCInferenceServiceBlockingStub start(Map<String, Object> restSettings) {
        server = new GrpcServer(models, new FakeRepository(), new FakeDrain(),
                TestConfigs.of(GrpcConfig.class, Map.of("host", "127.0.0.1", "port", 0, "maxMessageBytes", LIMIT,
                        "threads", 4)),
                TestConfigs.of(RestApiSettings.class, restSettings));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                .maxInboundMessageSize(4 * LIMIT).build();
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.stop();
    }

    private static ModelInferRequest bytesOfInput(int bytes) {
        return ModelInferRequest.newBuilder().setModelName("echo")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("UINT8").addShape(bytes))
                .addRawInputContents(ByteString.copyFrom(new byte[bytes])).build();
    }

    @Test
    void aMessageAboveTheConfiguredLimitIsRefusedWithResourceExhaustedAndOneBelowIsServed() {
        GRPCInferenceServiceBlockingStub client = start(Map.of());
        assertEquals(LIMIT - 1024, client.modelInfer(bytesOfInput(LIMIT - 1024)).getRawOutputContents(0).size());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> client.modelInfer(bytesOfInput(LIMIT + 1)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.getMessage());
    }

    @Test
    void withoutAnAdministratorTokenManagementIsAcceptedFromLoopback() {
        start(Map.of()).repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("echo").build());
        assertEquals(List.of("load echo"), models.calls());
    }

    @Test
    void theRestApisTokensGuardGrpcToo() {
        GRPCInferenceServiceBlockingStub client = start(Map.of(".adminToken", "rest-admin"));
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> client
                .repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("echo").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
        assertEquals(List.of(), models.calls());
    }
}
