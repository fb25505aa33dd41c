package org.gantry.grpc.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.gantry.api.error.GantryException;
import org.gantry.api.tensor.Tensor;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.gantry.grpc.proto.GrpcService.InferParameter;
import org.gantry.grpc.proto.GrpcService.ModelConfigRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.gantry.grpc.proto.GrpcService.ModelMetadataRequest;
import org.gantry.grpc.proto.GrpcService.ModelMetadataResponse;
import org.gantry.grpc.proto.GrpcService.ModelReadyRequest;
import org.gantry.grpc.proto.GrpcService.ModelRepositoryParameter;
import org.gantry.grpc.proto.GrpcService.ModelStatistics;
import org.gantry.grpc.proto.GrpcService.ModelStatisticsRequest;
import org.gantry.grpc.proto.GrpcService.ModelStreamInferResponse;
import org.gantry.grpc.proto.GrpcService.RepositoryIndexRequest;
import org.gantry.grpc.proto.GrpcService.RepositoryModelLoadRequest;
import org.gantry.grpc.proto.GrpcService.RepositoryModelUnloadRequest;
import org.gantry.grpc.proto.GrpcService.ServerLiveRequest;
import org.gantry.grpc.proto.GrpcService.ServerMetadataRequest;
import org.gantry.grpc.proto.GrpcService.ServerMetadataResponse;
import org.gantry.grpc.proto.GrpcService.ServerReadyRequest;
import org.gantry.grpc.proto.HealthGrpc;
import org.gantry.grpc.proto.HealthProto.HealthCheckRequest;
import org.gantry.grpc.proto.HealthProto.HealthCheckResponse.ServingStatus;
import org.gantry.protocol.access.AccessPolicy;
import org.gantry.test.support.TestTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.BlockingClientCall;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;

/** The service as a client sees it, through an in-process channel (a peer that is not loopback). */
class InferenceServiceTest {

    private static final AccessPolicy NO_TOKENS = new AccessPolicy("", "", false);
    private static final AccessPolicy TOKENS = new AccessPolicy("admin-secret", "infer-secret", false);

    private final FakeModelServer server = new FakeModelServer();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private InProcessGrpc grpc;
    private ManagedChannel channel;

    private void start(AccessPolicy policy) throws Exception {
        AccessInterceptor access = new AccessInterceptor(policy);
        CallRunner calls = new CallRunner(executor);
        grpc = InProcessGrpc.start(
                ServerInterceptors.intercept(new InferenceService(server, new FakeRepository(), 1000, calls), access),
                ServerInterceptors.intercept(new HealthService(server, calls), access));
        channel = grpc.channel;
    }

    @AfterEach
    void stop() throws Exception {
        grpc.stop();
        executor.shutdownNow();
    }

    private GRPCInferenceServiceBlockingStub client(String token) {
        GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        if (token == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(AccessInterceptor.AUTHORIZATION, "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static Status.Code codeOf(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    private static ModelInferRequest echoRequest(String model, float... values) {
        Tensor raw = TestTensors.fp32("INPUT", new long[] { 1, values.length }, values);
        return ModelInferRequest.newBuilder().setModelName(model).setId("request-7")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP32").addShape(1)
                        .addShape(values.length))
                .addRawInputContents(ByteString.copyFrom(raw.data()))
                .build();
    }

    private static ModelInferRequest countRequest(String model, long count) {
        return ModelInferRequest.newBuilder().setModelName(model).setId(model + "-" + count)
                .putParameters("count", InferParameter.newBuilder().setInt64Param(count).build()).build();
    }

    @Test
    void healthAndMetadataSayWhatTheServerSays() throws Exception {
        start(NO_TOKENS);
        GRPCInferenceServiceBlockingStub client = client(null);
        assertTrue(client.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(client.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        server.ready = false;
        assertFalse(client.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertEquals(ServingStatus.NOT_SERVING, health.check(HealthCheckRequest.newBuilder()
                .setService("inference.GRPCInferenceService").build()).getStatus());
        assertEquals(Status.Code.NOT_FOUND,
                codeOf(() -> health.check(HealthCheckRequest.newBuilder().setService("other").build())));

        ServerMetadataResponse metadata = client.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertEquals("gantry", metadata.getName());
        assertTrue(metadata.getExtensionsList().contains("model_repository"), metadata.toString());
        ModelMetadataResponse model = client.modelMetadata(ModelMetadataRequest.newBuilder().setName("echo").build());
        assertEquals("FP32", model.getInputs(0).getDatatype());
        assertEquals(List.of(-1L, 3L), model.getInputs(0).getShapeList());
        // Readiness is the protocol's, as on HTTP: a request would be served now, loaded or not.
        assertTrue(client.modelReady(ModelReadyRequest.newBuilder().setName("echo").build()).getReady());
        assertTrue(client.modelReady(ModelReadyRequest.newBuilder().setName("counter").build()).getReady());
        assertFalse(client.modelReady(ModelReadyRequest.newBuilder().setName("endless").build()).getReady());
    }

    @Test
    void anInferenceAnswersWithRawOutputContentsAndItsRequestId() throws Exception {
        start(NO_TOKENS);
        ModelInferRequest request = echoRequest("echo", 1, 2, 3);
        ModelInferResponse response = client(null).modelInfer(request);
        assertEquals("request-7", response.getId());
        assertEquals("echo", response.getModelName());
        assertEquals("OUTPUT", response.getOutputs(0).getName());
        assertEquals(List.of(1L, 3L), response.getOutputs(0).getShapeList());
        assertEquals(request.getRawInputContents(0), response.getRawOutputContents(0));
    }

    @Test
    void failuresAnswerWithTheStatusOfTheirKindAndTheirMessage() throws Exception {
        start(NO_TOKENS);
        GRPCInferenceServiceBlockingStub client = client(null);
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> client.modelInfer(echoRequest("nope", 1)));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertEquals("unknown model 'nope'", unknown.getStatus().getDescription());
        assertEquals(Status.Code.NOT_FOUND,
                codeOf(() -> client.modelReady(ModelReadyRequest.newBuilder().setName("nope").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> client.modelInfer(echoRequest("echo", 1).toBuilder()
                .setInputs(0, InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP99").addShape(1))
                .build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> client.modelStatistics(
                ModelStatisticsRequest.newBuilder().setVersion("1").build())));
    }

    @Test
    void aStreamDeliversEveryResponseAndReportsAFailedRequestWithoutEndingTheStream() throws Exception {
        start(NO_TOKENS);
        BlockingClientCall<ModelInferRequest, ModelStreamInferResponse> stream = GRPCInferenceServiceGrpc
                .newBlockingV2Stub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).modelStreamInfer();
        stream.write(countRequest("counter", 3));
        stream.write(countRequest("nope", 1));
        stream.write(countRequest("counter", 2));
        stream.halfClose();
        List<ModelStreamInferResponse> received = new ArrayList<>();
        for (ModelStreamInferResponse response = stream.read(); response != null; response = stream.read()) {
            received.add(response);
        }

        List<ModelStreamInferResponse> failed = received.stream().filter(r -> !r.getErrorMessage().isEmpty()).toList();
        assertEquals(1, failed.size(), received.toString());
        assertEquals("unknown model 'nope'", failed.get(0).getErrorMessage());
        assertEquals("nope-1", failed.get(0).getInferResponse().getId());
        for (String id : List.of("counter-3", "counter-2")) {
            List<ModelInferResponse> responses = received.stream().map(ModelStreamInferResponse::getInferResponse)
                    .filter(r -> r.getId().equals(id)).toList();
            int count = Integer.parseInt(id.substring(id.length() - 1));
            assertEquals(count, responses.size(), id);
            for (int i = 0; i < count; i++) {
                long value = responses.get(i).getRawOutputContents(0).asReadOnlyByteBuffer()
                        .order(ByteOrder.LITTLE_ENDIAN).getLong();
                assertEquals(i, value, id + " in order");
                assertEquals(i == count - 1,
                        responses.get(i).getParametersOrThrow("triton_final_response").getBoolParam());
            }
        }
    }

    @Test
    void aClientLeavingAStreamStopsTheGenerationAtItsNextResponse() throws Exception {
        start(NO_TOKENS);
        CountDownLatch first = new CountDownLatch(1);
        GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(
                new ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse>() {
                    private ClientCallStreamObserver<ModelInferRequest> call;

                    @Override
                    public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
                        call = requestStream;
                    }

                    @Override
                    public void onNext(ModelStreamInferResponse response) {
                        first.countDown();
                        call.cancel("enough", null);
                    }

                    @Override
                    public void onError(Throwable failure) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                }).onNext(countRequest("endless", 0));
        assertTrue(first.await(10, TimeUnit.SECONDS));
        awaitTrue(() -> server.endlessStoppedBy != null, "the endless stream was never stopped");
        GantryException stopped = assertInstanceOf(GantryException.class, server.endlessStoppedBy);
        assertTrue(stopped.getMessage().contains("closed the stream"), stopped.getMessage());
    }

    @Test
    void repositoryLoadPassesTheCallersConfigAndFilesAndUnloadNamesTheModel() throws Exception {
        start(TOKENS);
        GRPCInferenceServiceBlockingStub admin = client("admin-secret");
        admin.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("echo")
                .putParameters("config", ModelRepositoryParameter.newBuilder().setStringParam("{\"name\":\"echo\"}")
                        .build())
                .putParameters("file:1/model.pt", ModelRepositoryParameter.newBuilder()
                        .setBytesParam(ByteString.copyFromUtf8("weights")).build())
                .build());
        admin.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("echo")
                .putParameters("unload_dependents", ModelRepositoryParameter.newBuilder().setBoolParam(true).build())
                .build());
        assertEquals(List.of("load echo", "unload echo"), server.calls());
        assertEquals("{\"name\":\"echo\"}", server.overrides.get(0).configJson());
        assertEquals("weights", new String(server.overrides.get(0).files().get("1/model.pt"),
                java.nio.charset.StandardCharsets.UTF_8));

        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> admin.repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("echo").putParameters("config",
                        ModelRepositoryParameter.newBuilder().setBoolParam(true).build()).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> admin.repositoryModelLoad(
                RepositoryModelLoadRequest.getDefaultInstance())));
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> admin.repositoryModelUnload(
                RepositoryModelUnloadRequest.newBuilder().setModelName("nope").build())));
    }

    @Test
    void statisticsTheIndexAndTheConfigurationHoldWhatTheServerReports() throws Exception {
        start(NO_TOKENS);
        GRPCInferenceServiceBlockingStub client = client(null);
        ModelStatistics stats = client.modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStats(0);
        assertEquals("echo", stats.getName());
        assertEquals(10, stats.getInferenceCount());
        assertEquals(9, stats.getExecutionCount());
        assertEquals(5_000, stats.getInferenceStats().getSuccess().getNs());
        assertEquals(4096, stats.getMemoryUsage(0).getByteSize());
        assertEquals(1, stats.getBatchStats(0).getBatchSize());

        assertEquals(2, client.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsCount());
        var ready = client.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build());
        assertEquals(1, ready.getModelsCount());
        assertEquals("READY", ready.getModels(0).getState());

        var config = client.modelConfig(ModelConfigRequest.newBuilder().setName("echo").build()).getConfig();
        assertEquals("echo", config.getName());
        assertEquals(8, config.getMaxBatchSize());
        assertEquals(List.of(3L), config.getInput(0).getDimsList());
        assertEquals(Status.Code.NOT_FOUND,
                codeOf(() -> client.modelConfig(ModelConfigRequest.newBuilder().setName("nope").build())));
    }

    @Test
    void tokensGuardEveryRpcButHealthAsOnHttp() throws Exception {
        start(TOKENS);
        assertTrue(client(null).serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> client(null).modelInfer(echoRequest("echo", 1))));
        assertEquals(Status.Code.UNAUTHENTICATED,
                codeOf(() -> client("wrong").modelMetadata(ModelMetadataRequest.newBuilder().setName("echo").build())));
        client("infer-secret").modelInfer(echoRequest("echo", 1));
        client("admin-secret").modelInfer(echoRequest("echo", 1));
        assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> client("infer-secret").repositoryModelUnload(
                RepositoryModelUnloadRequest.newBuilder().setModelName("echo").build())));
        assertEquals(List.of(), server.calls(), "a refused call changes nothing");
    }

    @Test
    void withoutAnAdministratorTokenManagementFromAnotherMachineIsDenied() throws Exception {
        start(NO_TOKENS);
        assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> client(null).repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("echo").build())));
        client(null).repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertEquals(List.of(), server.calls());
    }
}
