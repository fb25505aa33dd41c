package org.gantry.rest.internal;

import java.util.List;
import java.util.Map;

import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelStatus;
import org.gantry.api.server.TensorMetadata;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The JSON bodies of the KServe v2 API, as typed records: each is written by Jackson in its components' order, so
 * the shape of an answer is read here rather than assembled key by key in the resource.
 */
final class KServeViews {

    /** Gantry has no response cache: its hits and misses are always none. */
    private static final Duration NONE = new Duration(0, 0);

    private KServeViews() {
    }

    record ServerMetadata(String name, String version, List<String> extensions) {
    }

    record Live(boolean live) {
    }

    record Ready(boolean ready) {
    }

    record ModelReadiness(String name, boolean ready) {
    }

    record Tensor(String name, String datatype, List<Long> shape) {

        static Tensor of(TensorMetadata tensor) {
            return new Tensor(tensor.name(), tensor.dataType().name(), tensor.shape());
        }
    }

    record Metadata(String name, List<String> versions, String platform, List<Tensor> inputs, List<Tensor> outputs) {

        static Metadata of(ModelMetadata metadata) {
            return new Metadata(metadata.name(), metadata.versions(), metadata.platform(),
                    metadata.inputs().stream().map(Tensor::of).toList(),
                    metadata.outputs().stream().map(Tensor::of).toList());
        }
    }

    /** An entry of the repository index; a model with no loaded version has no {@code version}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IndexEntry(String name, String version, String state, String reason) {

        static IndexEntry of(ModelStatus status) {
            return new IndexEntry(status.name(), status.version().isEmpty() ? null : status.version(),
                    status.state().name(), status.reason());
        }
    }

    /**
     * Triton's statistics extension shape, and Gantry's summary of each listed model's canary, shadow and capture
     * ({@code safe_updates}, left out where there are none).
     */
    record Statistics(@JsonProperty("model_stats") List<VersionStatistics> modelStats,
            @JsonProperty("safe_updates") @JsonInclude(Include.NON_EMPTY) List<Map<String, Object>> safeUpdates) {

        static Statistics of(List<ModelStatistics> statistics, List<Map<String, Object>> safeUpdates) {
            return new Statistics(statistics.stream().map(VersionStatistics::of).toList(), safeUpdates);
        }
    }

    /** Gantry keeps no per-response statistics: {@code response_stats} is always empty. */
    record VersionStatistics(String name, String version, @JsonProperty("last_inference") long lastInference,
            @JsonProperty("inference_count") long inferenceCount,
            @JsonProperty("execution_count") long executionCount,
            @JsonProperty("inference_stats") InferenceStatistics inferenceStats,
            @JsonProperty("response_stats") Map<String, Object> responseStats,
            @JsonProperty("batch_stats") List<BatchStatistics> batchStats,
            @JsonProperty("memory_usage") List<MemoryUsage> memoryUsage) {

        static VersionStatistics of(ModelStatistics stats) {
            InferenceStatistics inference = new InferenceStatistics(Duration.of(stats.success()),
                    Duration.of(stats.fail()), Duration.of(stats.queue()), Duration.of(stats.computeInput()),
                    Duration.of(stats.computeInfer()), Duration.of(stats.computeOutput()), NONE, NONE);
            return new VersionStatistics(stats.name(), stats.version(), stats.lastInferenceMillis(),
                    stats.inferenceCount(), stats.executionCount(), inference, Map.of(),
                    stats.batchStats().stream().map(BatchStatistics::of).toList(),
                    stats.memoryUsage().stream().map(MemoryUsage::of).toList());
        }
    }

    record InferenceStatistics(Duration success, Duration fail, Duration queue,
            @JsonProperty("compute_input") Duration computeInput,
            @JsonProperty("compute_infer") Duration computeInfer,
            @JsonProperty("compute_output") Duration computeOutput,
            @JsonProperty("cache_hit") Duration cacheHit, @JsonProperty("cache_miss") Duration cacheMiss) {
    }

    record BatchStatistics(@JsonProperty("batch_size") long batchSize,
            @JsonProperty("compute_input") Duration computeInput,
            @JsonProperty("compute_infer") Duration computeInfer,
            @JsonProperty("compute_output") Duration computeOutput) {

        static BatchStatistics of(ModelStatistics.BatchStatistics batch) {
            return new BatchStatistics(batch.batchSize(), Duration.of(batch.computeInput()),
                    Duration.of(batch.computeInfer()), Duration.of(batch.computeOutput()));
        }
    }

    record Duration(long count, long ns) {

        static Duration of(ModelStatistics.Duration duration) {
            return new Duration(duration.count(), duration.nanos());
        }
    }

    record MemoryUsage(String type, int id, @JsonProperty("byte_size") long byteSize) {

        static MemoryUsage of(ModelStatistics.MemoryUsage usage) {
            return new MemoryUsage(usage.type(), usage.id(), usage.bytes());
        }
    }
}
