package org.gantry.api.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's configuration: the fields of Triton's {@code ModelConfig} that Gantry uses.
 *
 * @param name           the model name (the repository folder's name)
 * @param platform       Triton platform such as {@code pytorch_libtorch}; empty when only a backend is named
 * @param backend        Triton backend name such as {@code pytorch}; empty when only a platform is named
 * @param maxBatchSize   0 when the model has no implicit batch dimension; otherwise the largest batch, and
 *                       {@code dims} of inputs and outputs exclude the batch dimension
 * @param inputs         declared inputs, in order
 * @param outputs        declared outputs, in order
 * @param versionPolicy  which versions in the repository are served
 * @param instanceGroups execution instances
 * @param parameters     free-form string parameters for the backend
 * @param warmup         warm-up requests run before the model is ready
 * @param dynamicBatching the dynamic batcher's settings, or null when requests are not batched by the server
 * @param ensembleSteps  the steps of an ensemble ({@code ensemble_scheduling}), in configuration order; empty for
 *                       other models
 */
public record ModelConfig(String name, String platform, String backend, int maxBatchSize, List<TensorConfig> inputs,
        List<TensorConfig> outputs, VersionPolicy versionPolicy, List<InstanceGroup> instanceGroups,
        Map<String, String> parameters, List<ModelWarmup> warmup, DynamicBatching dynamicBatching,
        List<EnsembleStep> ensembleSteps) {

    /** A configuration that is no ensemble. */
    public ModelConfig(String name, String platform, String backend, int maxBatchSize, List<TensorConfig> inputs,
            List<TensorConfig> outputs, VersionPolicy versionPolicy, List<InstanceGroup> instanceGroups,
            Map<String, String> parameters, List<ModelWarmup> warmup, DynamicBatching dynamicBatching) {
        this(name, platform, backend, maxBatchSize, inputs, outputs, versionPolicy, instanceGroups, parameters, warmup,
                dynamicBatching, List.of());
    }

    /** A configuration without dynamic batching. */
    public ModelConfig(String name, String platform, String backend, int maxBatchSize, List<TensorConfig> inputs,
            List<TensorConfig> outputs, VersionPolicy versionPolicy, List<InstanceGroup> instanceGroups,
            Map<String, String> parameters, List<ModelWarmup> warmup) {
        this(name, platform, backend, maxBatchSize, inputs, outputs, versionPolicy, instanceGroups, parameters, warmup,
                null);
    }

    public ModelConfig {
        Objects.requireNonNull(name, "name");
        platform = Objects.requireNonNullElse(platform, "");
        backend = Objects.requireNonNullElse(backend, "");
        if (maxBatchSize < 0) {
            throw new IllegalArgumentException("max_batch_size must not be negative: " + maxBatchSize);
        }
        inputs = List.copyOf(Objects.requireNonNullElse(inputs, List.of()));
        outputs = List.copyOf(Objects.requireNonNullElse(outputs, List.of()));
        versionPolicy = Objects.requireNonNullElse(versionPolicy, VersionPolicy.DEFAULT);
        instanceGroups = List.copyOf(Objects.requireNonNullElse(instanceGroups, List.of()));
        parameters = Map.copyOf(Objects.requireNonNullElse(parameters, Map.of()));
        warmup = List.copyOf(Objects.requireNonNullElse(warmup, List.of()));
        ensembleSteps = List.copyOf(Objects.requireNonNullElse(ensembleSteps, List.of()));
    }

    /** Whether requests carry an implicit leading batch dimension (Triton: {@code max_batch_size > 0}). */
    public boolean batched() {
        return maxBatchSize > 0;
    }

    public Optional<TensorConfig> input(String inputName) {
        return inputs.stream().filter(t -> t.name().equals(inputName)).findFirst();
    }

    public Optional<TensorConfig> output(String outputName) {
        return outputs.stream().filter(t -> t.name().equals(outputName)).findFirst();
    }

    public Optional<String> parameter(String key) {
        return Optional.ofNullable(parameters.get(key));
    }

    /** A copy with other inputs and outputs, as a backend's auto-complete produces. */
    public ModelConfig withTensors(List<TensorConfig> newInputs, List<TensorConfig> newOutputs) {
        return new ModelConfig(name, platform, backend, maxBatchSize, newInputs, newOutputs, versionPolicy,
                instanceGroups, parameters, warmup, dynamicBatching, ensembleSteps);
    }

    /** Execution instances the configuration asks for (at least one), summed over its instance groups. */
    public int instanceCount() {
        return Math.max(1, instanceGroups.stream().mapToInt(InstanceGroup::count).sum());
    }
}
