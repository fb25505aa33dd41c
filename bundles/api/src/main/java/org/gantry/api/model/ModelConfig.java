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
        return toBuilder().inputs(newInputs).outputs(newOutputs).build();
    }

    /**
     * A configuration built field by field, each left out at its default (no platform or backend, no batch
     * dimension, no tensors, {@link VersionPolicy#DEFAULT}, ...), in place of the constructors' long argument lists.
     *
     * @since 1.3
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this configuration's fields, to change some of them. */
    public Builder toBuilder() {
        return new Builder(name).platform(platform).backend(backend).maxBatchSize(maxBatchSize).inputs(inputs)
                .outputs(outputs).versionPolicy(versionPolicy).instanceGroups(instanceGroups).parameters(parameters)
                .warmup(warmup).dynamicBatching(dynamicBatching).ensembleSteps(ensembleSteps);
    }

    /** Builds a {@link ModelConfig}; {@link #build()} checks the fields as the record's constructor does. */
    public static final class Builder {
        private String name;
        private String platform = "";
        private String backend = "";
        private int maxBatchSize;
        private List<TensorConfig> inputs = List.of();
        private List<TensorConfig> outputs = List.of();
        private VersionPolicy versionPolicy = VersionPolicy.DEFAULT;
        private List<InstanceGroup> instanceGroups = List.of();
        private Map<String, String> parameters = Map.of();
        private List<ModelWarmup> warmup = List.of();
        private DynamicBatching dynamicBatching;
        private List<EnsembleStep> ensembleSteps = List.of();

        private Builder(String name) {
            this.name = name;
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        public Builder platform(String value) {
            platform = value;
            return this;
        }

        public Builder backend(String value) {
            backend = value;
            return this;
        }

        public Builder maxBatchSize(int value) {
            maxBatchSize = value;
            return this;
        }

        public Builder inputs(List<TensorConfig> value) {
            inputs = value;
            return this;
        }

        public Builder outputs(List<TensorConfig> value) {
            outputs = value;
            return this;
        }

        public Builder versionPolicy(VersionPolicy value) {
            versionPolicy = value;
            return this;
        }

        public Builder instanceGroups(List<InstanceGroup> value) {
            instanceGroups = value;
            return this;
        }

        public Builder parameters(Map<String, String> value) {
            parameters = value;
            return this;
        }

        public Builder warmup(List<ModelWarmup> value) {
            warmup = value;
            return this;
        }

        /** The dynamic batcher's settings; null (the default) for none. */
        public Builder dynamicBatching(DynamicBatching value) {
            dynamicBatching = value;
            return this;
        }

        public Builder ensembleSteps(List<EnsembleStep> value) {
            ensembleSteps = value;
            return this;
        }

        public ModelConfig build() {
            return new ModelConfig(name, platform, backend, maxBatchSize, inputs, outputs, versionPolicy,
                    instanceGroups, parameters, warmup, dynamicBatching, ensembleSteps);
        }
    }

    /** Execution instances the configuration asks for (at least one), summed over its instance groups. */
    public int instanceCount() {
        return Math.max(1, instanceGroups.stream().mapToInt(InstanceGroup::count).sum());
    }
}
