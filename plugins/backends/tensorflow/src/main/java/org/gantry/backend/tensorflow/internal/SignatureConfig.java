package org.gantry.backend.tensorflow.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;

/**
 * Completes a configuration from a SavedModel's signature, as Triton's TensorFlow backend auto-completes: inputs
 * and outputs with their datatypes and dims when the configuration has none, and a batch dimension when every
 * tensor's first dimension is variable (then {@code max_batch_size} defaults to Triton's 4).
 */
final class SignatureConfig {

    /** Triton's default-max-batch-size for auto-completed models. */
    static final int DEFAULT_MAX_BATCH_SIZE = 4;

    private SignatureConfig() {
    }

    static ModelConfig complete(ModelConfig config, Signature signature) {
        if (!config.inputs().isEmpty() && !config.outputs().isEmpty()) {
            check(config, signature);
            return config;
        }
        boolean batchable = config.maxBatchSize() > 0 || allBatchable(signature);
        int maxBatchSize = config.maxBatchSize() > 0 ? config.maxBatchSize()
                : batchable && config.inputs().isEmpty() ? DEFAULT_MAX_BATCH_SIZE : 0;
        List<TensorConfig> inputs = config.inputs().isEmpty()
                ? tensors(signature.getInputs(), maxBatchSize > 0) : config.inputs();
        List<TensorConfig> outputs = config.outputs().isEmpty()
                ? tensors(signature.getOutputs(), maxBatchSize > 0) : config.outputs();
        ModelConfig completed = new ModelConfig(config.name(), config.platform(), config.backend(), maxBatchSize,
                inputs, outputs, config.versionPolicy(), config.instanceGroups(), config.parameters(), config.warmup(),
                config.dynamicBatching());
        check(completed, signature);
        return completed;
    }

    private static boolean allBatchable(Signature signature) {
        return java.util.stream.Stream.concat(signature.getInputs().values().stream(),
                signature.getOutputs().values().stream())
                .allMatch(t -> t.shape.numDimensions() > 0 && t.shape.get(0) == Shape.UNKNOWN_SIZE);
    }

    private static List<TensorConfig> tensors(Map<String, Signature.TensorDescription> described, boolean batched) {
        List<TensorConfig> tensors = new ArrayList<>();
        described.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            Shape shape = entry.getValue().shape;
            List<Long> dims = new ArrayList<>();
            for (int i = batched ? 1 : 0; i < shape.numDimensions(); i++) {
                dims.add(shape.get(i) < 0 ? -1L : shape.get(i));
            }
            tensors.add(new TensorConfig(entry.getKey(), TensorFlowTypes.toKServe(entry.getValue().dataType,
                    entry.getKey()), dims));
        });
        return tensors;
    }

    /** Every configured tensor must exist in the signature with the same datatype. */
    private static void check(ModelConfig config, Signature signature) {
        checkTensors(config, config.inputs(), signature.getInputs(), "input");
        checkTensors(config, config.outputs(), signature.getOutputs(), "output");
    }

    private static void checkTensors(ModelConfig config, List<TensorConfig> configured,
            Map<String, Signature.TensorDescription> described, String kind) {
        for (TensorConfig tensor : configured) {
            Signature.TensorDescription found = described.get(tensor.name());
            if (found == null) {
                throw GantryException.invalidArgument("model '%s': %s '%s' is not in signature '%s' (its %ss: %s)",
                        config.name(), kind, tensor.name(), signature(config), kind, described.keySet());
            }
            if (TensorFlowTypes.toKServe(found.dataType, tensor.name()) != tensor.dataType()) {
                throw GantryException.invalidArgument("model '%s': %s '%s' is %s in config.pbtxt but %s in the"
                        + " SavedModel", config.name(), kind, tensor.name(), tensor.dataType(), found.dataType);
            }
        }
    }

    /** The signature a configuration serves: parameter {@code signature_name}, else {@code serving_default}. */
    static String signature(ModelConfig config) {
        return config.parameter("signature_name").orElse(Signature.DEFAULT_KEY);
    }
}
