package org.gantry.grpc.internal;

import java.util.List;

import org.gantry.api.error.GantryException;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelState;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GrpcService.ModelConfigRequest;
import org.gantry.grpc.proto.GrpcService.ModelConfigResponse;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.gantry.grpc.proto.GrpcService.ModelMetadataRequest;
import org.gantry.grpc.proto.GrpcService.ModelMetadataResponse;
import org.gantry.grpc.proto.GrpcService.ModelReadyRequest;
import org.gantry.grpc.proto.GrpcService.ModelReadyResponse;
import org.gantry.grpc.proto.GrpcService.ModelRepositoryParameter;
import org.gantry.grpc.proto.GrpcService.ModelStatisticsRequest;
import org.gantry.grpc.proto.GrpcService.ModelStatisticsResponse;
import org.gantry.grpc.proto.GrpcService.ModelStreamInferResponse;
import org.gantry.grpc.proto.GrpcService.RepositoryIndexRequest;
import org.gantry.grpc.proto.GrpcService.RepositoryIndexResponse;
import org.gantry.grpc.proto.GrpcService.RepositoryModelLoadRequest;
import org.gantry.grpc.proto.GrpcService.RepositoryModelLoadResponse;
import org.gantry.grpc.proto.GrpcService.RepositoryModelUnloadRequest;
import org.gantry.grpc.proto.GrpcService.RepositoryModelUnloadResponse;
import org.gantry.grpc.proto.GrpcService.ServerLiveRequest;
import org.gantry.grpc.proto.GrpcService.ServerLiveResponse;
import org.gantry.grpc.proto.GrpcService.ServerMetadataRequest;
import org.gantry.grpc.proto.GrpcService.ServerMetadataResponse;
import org.gantry.grpc.proto.GrpcService.ServerReadyRequest;
import org.gantry.grpc.proto.GrpcService.ServerReadyResponse;
import org.gantry.protocol.kserve.LoadParameters;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code inference.GRPCInferenceService}: KServe v2's RPCs and Triton's extensions. Translation only, every
 * decision is the {@link ModelServer}'s; who may call what is {@link AccessInterceptor}'s.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    /**
     * Protocol extensions served over gRPC, as server metadata reports them (Triton's names). The HTTP-only ones
     * (binary tensor data, generate, Gantry's memory view) are not listed.
     */
    static final List<String> EXTENSIONS = List.of("model_repository", "model_repository(unload_dependents)",
            "model_configuration", "statistics", "schedule_policy", "parameters");

    /** A load's parameters in protobuf: the configuration as a string_param, a file's content as a bytes_param. */
    private static final LoadParameters.Values<ModelRepositoryParameter> PROTO_VALUES = new LoadParameters.Values<>() {
        @Override
        public String config(ModelRepositoryParameter value) {
            if (!value.hasStringParam()) {
                throw GantryException.invalidArgument("parameter 'config' must be a string_param holding the model"
                        + " configuration as JSON");
            }
            return value.getStringParam();
        }

        @Override
        public byte[] file(String key, ModelRepositoryParameter value) {
            if (!value.hasBytesParam()) {
                throw GantryException.invalidArgument("parameter '%s' must be a bytes_param holding the file's"
                        + " content", key);
            }
            return value.getBytesParam().toByteArray();
        }
    };

    private final ModelServer server;
    private final ModelRepository repository;
    private final long maxTensorElements;
    private final CallRunner calls;

    InferenceService(ModelServer server, ModelRepository repository, long maxTensorElements, CallRunner calls) {
        this.server = server;
        this.repository = repository;
        this.maxTensorElements = maxTensorElements;
        this.calls = calls;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> responses) {
        // Answered where it arrives, without waiting for a call thread: the process is live even when every call
        // thread is busy with a model.
        responses.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
        responses.onCompleted();
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> responses) {
        calls.answer(responses, () -> ServerReadyResponse.newBuilder().setReady(server.isReady()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> responses) {
        calls.answer(responses, () -> {
            String version = version(request.getVersion());
            // The protocol's readiness, as on HTTP: a request would be served now (loaded, or loadable on demand).
            boolean ready = server.willServe(request.getName(), version);
            if (!ready) {
                server.metadata(request.getName(), version); // NOT_FOUND for a model or version that does not exist
            }
            return ModelReadyResponse.newBuilder().setReady(ready).build();
        });
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> responses) {
        calls.answer(responses, () -> ServerMetadataResponse.newBuilder()
                .setName(server.name())
                .setVersion(server.version())
                .addAllExtensions(EXTENSIONS)
                .build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> responses) {
        calls.answer(responses, () -> ModelMessages.metadata(server.metadata(request.getName(),
                version(request.getVersion()))));
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> responses) {
        calls.answer(responses, () -> InferMessages.response(server.infer(request.getModelName(),
                version(request.getModelVersion()), InferMessages.request(request, maxTensorElements))));
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> responses) {
        return new InferenceStream(server, maxTensorElements, calls,
                (ServerCallStreamObserver<ModelStreamInferResponse>) responses);
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> responses) {
        calls.answer(responses, () -> ModelMessages.config(repository.configJson(server.config(request.getName(),
                version(request.getVersion())))));
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> responses) {
        calls.answer(responses, () -> {
            if (request.getName().isEmpty() && !request.getVersion().isEmpty()) {
                throw GantryException.invalidArgument("a version (%s) needs a model name", request.getVersion());
            }
            String name = request.getName().isEmpty() ? null : request.getName();
            return ModelMessages.statistics(server.statistics(name, version(request.getVersion())));
        });
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> responses) {
        calls.answer(responses, () -> ModelMessages.index(server.index().stream()
                .filter(status -> !request.getReady() || status.state() == ModelState.READY)
                .toList()));
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request,
            StreamObserver<RepositoryModelLoadResponse> responses) {
        calls.answer(responses, () -> {
            server.load(modelName(request.getModelName()),
                    LoadParameters.override(request.getParametersMap().entrySet(), PROTO_VALUES));
            return RepositoryModelLoadResponse.getDefaultInstance();
        });
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request,
            StreamObserver<RepositoryModelUnloadResponse> responses) {
        calls.answer(responses, () -> {
            ModelRepositoryParameter dependents = request.getParametersMap().get(LoadParameters.UNLOAD_DEPENDENTS);
            if (dependents != null && !dependents.hasBoolParam()) {
                throw GantryException.invalidArgument("parameter 'unload_dependents' must be a bool_param");
            }
            // No model depends on another (ensembles are composed per request), so there is nothing more to unload.
            server.unload(modelName(request.getModelName()));
            return RepositoryModelUnloadResponse.getDefaultInstance();
        });
    }

    /** The protocol's empty version means the one the model's version policy serves, which Gantry writes null. */
    private static String version(String version) {
        return version.isEmpty() ? null : version;
    }

    private static String modelName(String name) {
        if (name.isEmpty()) {
            throw GantryException.invalidArgument("model_name is required");
        }
        return name;
    }
}
