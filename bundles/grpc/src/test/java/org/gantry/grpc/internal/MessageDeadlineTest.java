package org.gantry.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerInterceptors;
import io.grpc.Status;

/** A one-second deadline for request messages, as {@code bodyReadDeadlineSeconds} sets it on HTTP. */
class MessageDeadlineTest {

    private final FakeModelServer models = new FakeModelServer();
    private final ExecutorService calls = Executors.newCachedThreadPool();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private InProcessGrpc grpc;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        grpc = InProcessGrpc.start(ServerInterceptors.intercept(
                new InferenceService(models, new FakeRepository(), 1000, new CallRunner(calls)),
                new MessageDeadline(timer, 1)));
        channel = grpc.channel;
    }

    @AfterEach
    void stop() throws Exception {
        grpc.stop();
        calls.shutdownNow();
        timer.shutdownNow();
    }

    @Test
    void aCallWhoseMessageHasNotArrivedInTimeIsClosedAndNeverReachesTheModel() throws Exception {
        CompletableFuture<Status> closed = new CompletableFuture<>();
        ClientCall<ModelInferRequest, ModelInferResponse> call = channel
                .newCall(GRPCInferenceServiceGrpc.getModelInferMethod(), CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1); // and never send the message
        Status status = closed.get(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode(), status.toString());
        assertEquals(0, models.inferences.get());
    }

    @Test
    void onlyTheMessagesArrivalIsTimedNotTheModelsWork() {
        ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(ModelInferRequest
                .newBuilder().setModelName("slow")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("UINT8").addShape(1))
                .addRawInputContents(ByteString.copyFrom(new byte[] { 7 })).build());
        assertEquals("slow", response.getModelName());
        assertEquals(1, models.inferences.get());
    }
}
