package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.gantry.grpc.proto.GrpcService.InferTensorContents;
import org.gantry.grpc.proto.GrpcService.ModelConfigRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse.InferOutputTensor;
import org.gantry.grpc.proto.GrpcService.ModelMetadataRequest;
import org.gantry.grpc.proto.GrpcService.ModelMetadataResponse;
import org.gantry.grpc.proto.GrpcService.ModelReadyRequest;
import org.gantry.grpc.proto.GrpcService.ModelStatistics;
import org.gantry.grpc.proto.GrpcService.ModelStatisticsRequest;
import org.gantry.grpc.proto.GrpcService.ModelStreamInferResponse;
import org.gantry.grpc.proto.GrpcService.RepositoryIndexRequest;
import org.gantry.grpc.proto.GrpcService.RepositoryIndexResponse;
import org.gantry.grpc.proto.GrpcService.RepositoryModelLoadRequest;
import org.gantry.grpc.proto.GrpcService.RepositoryModelUnloadRequest;
import org.gantry.grpc.proto.GrpcService.ServerLiveRequest;
import org.gantry.grpc.proto.GrpcService.ServerMetadataRequest;
import org.gantry.grpc.proto.GrpcService.ServerMetadataResponse;
import org.gantry.grpc.proto.GrpcService.ServerReadyRequest;
import org.gantry.grpc.proto.HealthGrpc;
import org.gantry.grpc.proto.HealthProto.HealthCheckRequest;
import org.gantry.grpc.proto.HealthProto.HealthCheckResponse.ServingStatus;
import org.gantry.triton.config.ModelConfigProto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

/**
 * The distribution's gRPC port ({@code GANTRY_GRPC_PORT}) as a grpc-java client meets it, with both tokens set and a
 * 1 MiB message limit: KServe v2's RPCs, Triton's extensions and a streamed generation, under the HTTP API's tokens.
 */
class GrpcTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = E2eFiles.EXAMPLES;
    private static final String ADMIN = "grpc-admin-token";
    private static final String INFERENCE = "grpc-inference-token";
    private static final int MESSAGE_LIMIT = 1024 * 1024;
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    @AutoClose
    private static KarafServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        server = KarafServer.in("grpc").exampleModels("simple_linear", "tiny_seq2seq").tokens(ADMIN, INFERENCE)
                .etc("org.gantry.grpc.cfg", "host = 127.0.0.1\nport = $[env:GANTRY_GRPC_PORT]\n"
                        + "maxMessageBytes = " + MESSAGE_LIMIT + "\n")
                .start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.ports().grpc()).usePlaintext().build();
        awaitServing();
    }

    /** The gRPC port opens on its own schedule: wait until health says SERVING. */
    private static void awaitServing() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (true) {
            try {
                if (HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus() == ServingStatus.SERVING) {
                    return;
                }
            } catch (StatusRuntimeException notYet) {
                assertTrue(System.nanoTime() < deadline, "the gRPC port did not serve: " + notYet.getStatus());
            }
            Thread.sleep(100);
        }
    }

    /** Closes the client's channel before the server (closed after this) stops. */
    @AfterAll
    static void closeChannel() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static GRPCInferenceServiceBlockingStub client(String token) {
        GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(2, TimeUnit.MINUTES);
        if (token == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static Status.Code codeOf(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    private static ByteString floats(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return ByteString.copyFrom(buffer.flip());
    }

    private static float[] floats(ByteString raw) {
        ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[buffer.remaining() / 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = buffer.getFloat();
        }
        return values;
    }

    private static InferInputTensor.Builder simpleLinearInput() {
        return InferInputTensor.newBuilder().setName("INPUT__0").setDatatype("FP32").addShape(1).addShape(3);
    }

    private static ModelInferRequest rawSimpleLinear() {
        return ModelInferRequest.newBuilder().setModelName("simple_linear").setId("grpc-1")
                .addInputs(simpleLinearInput()).addRawInputContents(floats(1, 2, 3)).build();
    }

    @Test
    void healthIsOpenAndMetadataNeedsTheInferenceToken() {
        assertTrue(client(null).serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(client(null).serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertEquals(Status.Code.UNAUTHENTICATED,
                codeOf(() -> client(null).serverMetadata(ServerMetadataRequest.getDefaultInstance())));
        ServerMetadataResponse metadata = client(INFERENCE).serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertEquals("gantry", metadata.getName());
        assertTrue(metadata.getExtensionsList().contains("model_repository"), metadata.toString());

        ModelMetadataResponse model = client(INFERENCE)
                .modelMetadata(ModelMetadataRequest.newBuilder().setName("simple_linear").build());
        assertEquals("pytorch_libtorch", model.getPlatform());
        assertEquals("INPUT__0", model.getInputs(0).getName());
        assertEquals("FP32", model.getInputs(0).getDatatype());
        assertEquals(List.of(-1L, 3L), model.getInputs(0).getShapeList());
    }

    @Test
    void simpleLinearAnswersRawAndTypedInputsWithRawOutputContents() {
        ModelInferResponse raw = client(INFERENCE).modelInfer(rawSimpleLinear());
        assertEquals("grpc-1", raw.getId());
        assertEquals("simple_linear", raw.getModelName());
        assertEquals("1", raw.getModelVersion());
        assertEquals(InferOutputTensor.newBuilder().setName("OUTPUT__0").setDatatype("FP32").addShape(1).addShape(2)
                .build(), raw.getOutputs(0), "the output's name, type and shape; its data is in raw_output_contents");
        assertArrayEquals(new float[] { 8, 2 }, floats(raw.getRawOutputContents(0)));

        ModelInferResponse typed = client(INFERENCE).modelInfer(ModelInferRequest.newBuilder()
                .setModelName("simple_linear").addInputs(simpleLinearInput().setContents(InferTensorContents
                        .newBuilder().addFp32Contents(1).addFp32Contents(2).addFp32Contents(3)))
                .build());
        assertEquals(raw.getRawOutputContents(0), typed.getRawOutputContents(0));
    }

    @Test
    void loadUnloadIndexStatisticsAndConfigurationWorkAndManagementNeedsTheAdministratorToken() {
        assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> client(INFERENCE).repositoryModelUnload(
                RepositoryModelUnloadRequest.newBuilder().setModelName("simple_linear").build())));

        client(INFERENCE).modelInfer(rawSimpleLinear());
        client(ADMIN).repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("simple_linear")
                .build());
        assertFalse(stateOf("simple_linear", client(INFERENCE).repositoryIndex(
                RepositoryIndexRequest.getDefaultInstance())).equals("READY"));
        assertTrue(client(INFERENCE).modelReady(ModelReadyRequest.newBuilder().setName("simple_linear").build())
                .getReady(), "ready as on HTTP: a request would load it on demand");

        client(ADMIN).repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("simple_linear")
                .build());
        assertTrue(client(INFERENCE).modelReady(ModelReadyRequest.newBuilder().setName("simple_linear").build())
                .getReady());
        assertEquals("READY", stateOf("simple_linear", client(INFERENCE).repositoryIndex(
                RepositoryIndexRequest.newBuilder().setReady(true).build())));

        ModelStatistics before = simpleLinearStatistics();
        client(INFERENCE).modelInfer(rawSimpleLinear());
        ModelStatistics after = simpleLinearStatistics();
        assertEquals("1", after.getVersion());
        assertEquals(before.getInferenceCount() + 1, after.getInferenceCount());
        assertEquals(before.getInferenceStats().getSuccess().getCount() + 1,
                after.getInferenceStats().getSuccess().getCount());
        assertTrue(after.getInferenceStats().getSuccess().getNs() > before.getInferenceStats().getSuccess().getNs());

        ModelConfigProto.ModelConfig config = client(INFERENCE).modelConfig(ModelConfigRequest.newBuilder()
                .setName("simple_linear").build()).getConfig();
        assertEquals("simple_linear", config.getName());
        assertEquals("pytorch_libtorch", config.getPlatform());
        assertEquals(8, config.getMaxBatchSize());
        assertEquals(ModelConfigProto.DataType.TYPE_FP32, config.getInput(0).getDataType());
        assertEquals(List.of(3L), config.getInput(0).getDimsList());
    }

    private static ModelStatistics simpleLinearStatistics() {
        return client(INFERENCE).modelStatistics(ModelStatisticsRequest.newBuilder().setName("simple_linear")
                .build()).getModelStats(0);
    }

    private static String stateOf(String model, RepositoryIndexResponse index) {
        return index.getModelsList().stream().filter(entry -> entry.getName().equals(model))
                .map(RepositoryIndexResponse.ModelIndex::getState).findFirst().orElse("absent");
    }

    /** Triton's decoupled streaming: one response per generated token, each sent as it is made, the last marked. */
    @Test
    void tinySeq2seqStreamsItsGenerationTokenByTokenOverModelStreamInfer() throws Exception {
        JsonNode testCase = JSON.readTree(EXAMPLES.resolve("tiny_seq2seq/expected.json").toFile()).get("cases").get(0);
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + INFERENCE);
        StreamCall call = new StreamCall(GRPCInferenceServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)));
        List<ModelStreamInferResponse> responses = call.finish(ModelInferRequest.newBuilder()
                .setModelName("tiny_seq2seq").setId("generation-1")
                .addInputs(InferInputTensor.newBuilder().setName("text_input").setDatatype("BYTES").addShape(1)
                        .setContents(InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFromUtf8(testCase.get("text").asText()))))
                .build());

        JsonNode greedy = testCase.get("greedy");
        assertEquals(greedy.size(), responses.size(), "one response per generated token");
        for (int i = 0; i < responses.size(); i++) {
            assertEquals("", responses.get(i).getErrorMessage());
            ModelInferResponse response = responses.get(i).getInferResponse();
            assertEquals("generation-1", response.getId());
            int ids = response.getOutputsList().stream().map(ModelInferResponse.InferOutputTensor::getName).toList()
                    .indexOf("output_ids");
            assertEquals(greedy.get(i).asLong(), response.getRawOutputContents(ids).asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN).getLong(), "token " + i);
            assertEquals(i == responses.size() - 1,
                    response.getParametersOrThrow("triton_final_response").getBoolParam(), "token " + i);
        }
    }

    @Test
    void aMessageAboveTheConfiguredLimitIsResourceExhausted() {
        ModelInferRequest large = ModelInferRequest.newBuilder().setModelName("simple_linear")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT__0").setDatatype("FP32")
                        .addShape(MESSAGE_LIMIT / 12 + 1).addShape(3))
                .addRawInputContents(ByteString.copyFrom(new byte[(MESSAGE_LIMIT / 12 + 1) * 12])).build();
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, codeOf(() -> client(INFERENCE).modelInfer(large)));
    }

    @Test
    void anUnknownModelIsNotFoundAndAMissingOrWrongTokenIsUnauthenticated() {
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> client(INFERENCE).modelInfer(rawSimpleLinear().toBuilder()
                .setModelName("no_such_model").build())));
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> client(INFERENCE).modelMetadata(
                ModelMetadataRequest.newBuilder().setName("no_such_model").build())));
        assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> client(null).modelInfer(rawSimpleLinear())));
        assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> client("not-the-token").modelInfer(rawSimpleLinear())));
        assertEquals(ServingStatus.SERVING,
                HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }
}
