package org.gantry.runtime.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.Tensor;

/**
 * Checks a request against a model's configuration before a backend sees it, so that backends can trust
 * their inputs: known names, configured datatypes, shapes that fit {@code dims} (with the implicit batch
 * dimension when {@code max_batch_size > 0}), and {@code reshape} applied.
 */
final class RequestValidator {

    private RequestValidator() {
    }

    /** Returns the request with its inputs in configuration order and reshaped; throws INVALID_ARGUMENT. */
    static InferenceRequest validate(ModelConfig config, InferenceRequest request) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor input : request.inputs()) {
            TensorConfig declared = config.input(input.name()).orElseThrow(() -> GantryException.invalidArgument(
                    "model '%s' has no input named '%s'; its inputs are %s", config.name(), input.name(),
                    names(config.inputs())));
            if (byName.put(input.name(), input) != null) {
                throw GantryException.invalidArgument("input '%s' is given more than once", input.name());
            }
            if (input.dataType() != declared.dataType()) {
                throw GantryException.invalidArgument("input '%s' of model '%s' must be %s, not %s", input.name(),
                        config.name(), protocolName(declared), input.dataType());
            }
        }
        long batch = -1;
        List<Tensor> ordered = new ArrayList<>();
        for (TensorConfig declared : config.inputs()) {
            Tensor input = byName.get(declared.name());
            if (input == null) {
                if (declared.optional()) {
                    continue;
                }
                throw GantryException.invalidArgument(
                        "model '%s' needs input '%s' (%s, shape %s) but the request lacks it",
                        config.name(), declared.name(), protocolName(declared), expectedShape(config, declared));
            }
            long inputBatch = checkShape(config, declared, input);
            if (batch >= 0 && inputBatch != batch) {
                throw GantryException.invalidArgument(
                        "inputs of model '%s' disagree on the batch size: '%s' has %d where others have %d",
                        config.name(), input.name(), inputBatch, batch);
            }
            batch = inputBatch;
            ordered.add(declared.hasReshape() ? input.reshape(reshaped(config, declared, inputBatch)) : input);
        }
        checkRequestedOutputs(config, request.outputs());
        return request.withInputs(ordered);
    }

    /** Returns the batch size (1 when the model does not batch). */
    private static long checkShape(ModelConfig config, TensorConfig declared, Tensor input) {
        long[] shape = input.shape();
        List<Long> dims = declared.dims();
        int offset = config.batched() ? 1 : 0;
        if (shape.length != dims.size() + offset) {
            throw shapeMismatch(config, declared, input);
        }
        long batch = 1;
        if (config.batched()) {
            batch = shape[0];
            if (batch < 1 || batch > config.maxBatchSize()) {
                throw GantryException.invalidArgument(
                        "input '%s' has batch size %d but model '%s' takes batches of 1 to %d (max_batch_size)",
                        input.name(), batch, config.name(), config.maxBatchSize());
            }
        }
        for (int i = 0; i < dims.size(); i++) {
            long want = dims.get(i);
            if (want != -1 && shape[i + offset] != want) {
                throw shapeMismatch(config, declared, input);
            }
        }
        return batch;
    }

    private static long[] reshaped(ModelConfig config, TensorConfig declared, long batch) {
        List<Long> target = declared.reshape();
        int offset = config.batched() ? 1 : 0;
        long[] shape = new long[target.size() + offset];
        if (config.batched()) {
            shape[0] = batch;
        }
        for (int i = 0; i < target.size(); i++) {
            shape[i + offset] = target.get(i);
        }
        return shape;
    }

    private static void checkRequestedOutputs(ModelConfig config, List<RequestedOutput> outputs) {
        Set<String> seen = new HashSet<>();
        for (RequestedOutput output : outputs) {
            if (config.output(output.name()).isEmpty()) {
                throw GantryException.invalidArgument("model '%s' has no output named '%s'; its outputs are %s",
                        config.name(), output.name(), names(config.outputs()));
            }
            if (!seen.add(output.name())) {
                throw GantryException.invalidArgument("output '%s' is requested more than once", output.name());
            }
        }
    }

    /** Keeps the requested outputs, in the requested order; all of them when none was named. */
    static List<Tensor> selectOutputs(ModelConfig config, List<RequestedOutput> requested, List<Tensor> produced) {
        if (requested.isEmpty()) {
            return produced;
        }
        List<Tensor> selected = new ArrayList<>();
        for (RequestedOutput output : requested) {
            produced.stream().filter(t -> t.name().equals(output.name())).findFirst().ifPresentOrElse(selected::add,
                    () -> {
                        throw GantryException.internal("the backend of model '" + config.name()
                                + "' did not produce output '" + output.name() + "'", null);
                    });
        }
        return selected;
    }

    /** The full shape a caller must send, with -1 for variable dimensions and the batch dimension. */
    static List<Long> expectedShape(ModelConfig config, TensorConfig declared) {
        List<Long> shape = new ArrayList<>();
        if (config.batched()) {
            shape.add(-1L);
        }
        shape.addAll(declared.dims());
        return shape;
    }

    private static GantryException shapeMismatch(ModelConfig config, TensorConfig declared, Tensor input) {
        return GantryException.invalidArgument("input '%s' of model '%s' has shape %s but the model expects %s%s",
                input.name(), config.name(), Arrays.toString(input.shape()), expectedShape(config, declared),
                config.batched() ? " (first dimension: batch size up to " + config.maxBatchSize() + ")" : "");
    }

    private static String protocolName(TensorConfig declared) {
        return declared.dataType().name();
    }

    private static String names(List<TensorConfig> tensors) {
        return tensors.stream().map(TensorConfig::name).collect(Collectors.joining(", ", "[", "]"));
    }
}
