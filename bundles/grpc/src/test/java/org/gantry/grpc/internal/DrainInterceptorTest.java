package org.gantry.grpc.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.gantry.grpc.proto.GrpcService.ServerLiveRequest;
import org.gantry.grpc.proto.GrpcService.ServerReadyRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** The server's drain over gRPC, on a real port: calls are admitted and released, refused once it drains. */
class DrainInterceptorTest {

    private final FakeDrain drain = new FakeDrain();
    private GrpcServer server;
    private ManagedChannel channel;
    private GRPCInferenceServiceBlockingStub client;

    @BeforeEach
    void start() {
        server = new GrpcServer(new FakeModelServer(), new FakeRepository(), drain,
                TestConfigs.of(GrpcConfig.class, Map.of("host", "127.0.0.1", "port", 0, "threads", 4)),
                TestConfigs.of(RestApiSettings.class, Map.of()));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        client = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.stop();
    }

    @Test
    void aCallHoldsTheDrainUntilItIsAnswered() throws Exception {
        CompletableFuture<ModelInferResponse> slow = CompletableFuture.supplyAsync(
                () -> client.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(request("slow")));
        awaitTrue(() -> drain.inFlight() == 1, "the slow call is in flight");
        slow.get(30, TimeUnit.SECONDS);
        awaitTrue(() -> drain.inFlight() == 0, "answered, it no longer holds the drain");
    }

    @Test
    void whileDrainingNewCallsAreUnavailableAndTheProbesStillAnswer() {
        assertEquals(1, client.modelInfer(request("echo")).getRawOutputContentsCount());
        drain.draining.set(true);
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> client.modelInfer(request("echo")));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("draining"), refused.getStatus().toString());
        assertTrue(client.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        client.serverReady(ServerReadyRequest.getDefaultInstance());
        assertEquals(0, drain.inFlight());
    }

    private static ModelInferRequest request(String model) {
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("UINT8").addShape(4))
                .addRawInputContents(ByteString.copyFrom(new byte[4])).build();
    }
}
