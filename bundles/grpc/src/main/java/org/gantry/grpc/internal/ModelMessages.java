package org.gantry.grpc.internal;

import java.util.List;

import org.gantry.api.error.GantryException;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelStatus;
import org.gantry.api.server.TensorMetadata;
import org.gantry.grpc.proto.GrpcService.InferBatchStatistics;
import org.gantry.grpc.proto.GrpcService.InferStatistics;
import org.gantry.grpc.proto.GrpcService.MemoryUsage;
import org.gantry.grpc.proto.GrpcService.ModelConfigResponse;
import org.gantry.grpc.proto.GrpcService.ModelMetadataResponse;
import org.gantry.grpc.proto.GrpcService.ModelStatisticsResponse;
import org.gantry.grpc.proto.GrpcService.RepositoryIndexResponse;
import org.gantry.grpc.proto.GrpcService.StatisticDuration;
import org.gantry.triton.config.ModelConfigProto;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

/** What the server knows about models (metadata, configuration, statistics, the index) as protobuf messages. */
final class ModelMessages {

    /** Gantry has no response cache: its hits and misses are always none. */
    private static final StatisticDuration NONE = StatisticDuration.getDefaultInstance();
    private static final JsonFormat.Parser CONFIG_JSON = JsonFormat.parser().ignoringUnknownFields();

    private ModelMessages() {
    }

    static ModelMetadataResponse metadata(ModelMetadata metadata) {
        ModelMetadataResponse.Builder message = ModelMetadataResponse.newBuilder()
                .setName(metadata.name())
                .addAllVersions(metadata.versions())
                .setPlatform(metadata.platform());
        metadata.inputs().forEach(input -> message.addInputs(tensor(input)));
        metadata.outputs().forEach(output -> message.addOutputs(tensor(output)));
        return message.build();
    }

    private static ModelMetadataResponse.TensorMetadata tensor(TensorMetadata tensor) {
        return ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(tensor.name())
                .setDatatype(tensor.dataType().name())
                .addAllShape(tensor.shape())
                .build();
    }

    /**
     * A configuration from its JSON form (protobuf's JSON mapping of {@code inference.ModelConfig}, which the
     * repository writes), so the gRPC answer holds exactly what the HTTP one does.
     */
    static ModelConfigResponse config(String configJson) {
        ModelConfigProto.ModelConfig.Builder config = ModelConfigProto.ModelConfig.newBuilder();
        try {
            CONFIG_JSON.merge(configJson, config);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw GantryException.internal("the model configuration could not be read back: " + e.getMessage(), e);
        }
        return ModelConfigResponse.newBuilder().setConfig(config).build();
    }

    static ModelStatisticsResponse statistics(List<ModelStatistics> statistics) {
        ModelStatisticsResponse.Builder message = ModelStatisticsResponse.newBuilder();
        for (ModelStatistics stats : statistics) {
            org.gantry.grpc.proto.GrpcService.ModelStatistics.Builder model = message.addModelStatsBuilder()
                    .setName(stats.name())
                    .setVersion(stats.version())
                    .setLastInference(stats.lastInferenceMillis())
                    .setInferenceCount(stats.inferenceCount())
                    .setExecutionCount(stats.executionCount())
                    .setInferenceStats(InferStatistics.newBuilder()
                            .setSuccess(duration(stats.success()))
                            .setFail(duration(stats.fail()))
                            .setQueue(duration(stats.queue()))
                            .setComputeInput(duration(stats.computeInput()))
                            .setComputeInfer(duration(stats.computeInfer()))
                            .setComputeOutput(duration(stats.computeOutput()))
                            .setCacheHit(NONE)
                            .setCacheMiss(NONE));
            for (ModelStatistics.BatchStatistics batch : stats.batchStats()) {
                model.addBatchStats(InferBatchStatistics.newBuilder()
                        .setBatchSize(batch.batchSize())
                        .setComputeInput(duration(batch.computeInput()))
                        .setComputeInfer(duration(batch.computeInfer()))
                        .setComputeOutput(duration(batch.computeOutput())));
            }
            for (ModelStatistics.MemoryUsage memory : stats.memoryUsage()) {
                model.addMemoryUsage(MemoryUsage.newBuilder()
                        .setType(memory.type())
                        .setId(memory.id())
                        .setByteSize(memory.bytes()));
            }
        }
        return message.build();
    }

    private static StatisticDuration duration(ModelStatistics.Duration duration) {
        return StatisticDuration.newBuilder().setCount(duration.count()).setNs(duration.nanos()).build();
    }

    static RepositoryIndexResponse index(List<ModelStatus> statuses) {
        RepositoryIndexResponse.Builder message = RepositoryIndexResponse.newBuilder();
        for (ModelStatus status : statuses) {
            message.addModelsBuilder()
                    .setName(status.name())
                    .setVersion(status.version())
                    .setState(status.state().name())
                    .setReason(status.reason());
        }
        return message.build();
    }
}
