package org.gantry.runtime.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.ModelWarmup;
import org.gantry.api.model.WarmupInput;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

/**
 * Runs a model's {@code model_warmup} requests as Triton does, before the model is ready: zero, random or file
 * data (files under the model's {@code warmup/} folder, raw little-endian bytes), {@code batch_size} rows,
 * {@code count} times. A failing warm-up fails the load with its reason.
 */
final class WarmupRunner {

    private WarmupRunner() {
    }

    /** Runs every warm-up and returns the nanoseconds they took together. */
    static long run(ModelConfig config, Path modelDirectory, LoadedModel model) {
        long started = System.nanoTime();
        for (ModelWarmup warmup : config.warmup()) {
            InferenceRequest request;
            try {
                request = RequestValidator.validate(config,
                        InferenceRequest.of(inputs(config, warmup, modelDirectory)));
            } catch (GantryException e) {
                throw GantryException.invalidArgument("warm-up '%s' of model '%s' is invalid: %s", warmup.name(),
                        config.name(), e.getMessage());
            }
            for (int i = 0; i < warmup.count(); i++) {
                try {
                    model.infer(request);
                } catch (RuntimeException e) {
                    throw GantryException.invalidArgument("warm-up '%s' of model '%s' failed: %s", warmup.name(),
                            config.name(), e.getMessage());
                }
            }
        }
        return System.nanoTime() - started;
    }

    private static List<Tensor> inputs(ModelConfig config, ModelWarmup warmup, Path modelDirectory) {
        List<Tensor> inputs = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(warmup.name().hashCode());
        for (Map.Entry<String, WarmupInput> entry : warmup.inputs().entrySet()) {
            WarmupInput input = entry.getValue();
            List<Long> dims = new ArrayList<>();
            if (config.batched()) {
                dims.add((long) warmup.batchSize());
            }
            dims.addAll(input.dims());
            long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
            long elements = Tensor.elementCount(entry.getKey(), shape);
            inputs.add(switch (input.source()) {
                case ZERO -> filled(entry.getKey(), input.dataType(), shape, elements, null);
                case RANDOM -> filled(entry.getKey(), input.dataType(), shape, elements, random);
                case FILE -> fromFile(entry.getKey(), input, shape, modelDirectory.resolve("warmup"));
            });
        }
        return inputs;
    }

    /** Zeros (empty strings for BYTES), or random values when {@code random} is given. */
    private static Tensor filled(String name, DataType type, long[] shape, long elements, SplittableRandom random) {
        if (type == DataType.BYTES) {
            List<byte[]> values = new ArrayList<>();
            for (long i = 0; i < elements; i++) {
                values.add(random == null ? new byte[0] : Long.toString(random.nextLong(1_000_000))
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            return Tensor.ofBytes(name, shape, values);
        }
        ByteBuffer data = ByteBuffer.allocate((int) Tensor.byteSize(name, type, shape)).order(ByteOrder.LITTLE_ENDIAN);
        if (random != null) {
            for (long i = 0; i < elements; i++) {
                switch (type) {
                    case FP32 -> data.putFloat((float) random.nextDouble());
                    case FP64 -> data.putDouble(random.nextDouble());
                    case BOOL -> data.put((byte) random.nextInt(2));
                    // Small non-negative integers are valid indices for embedding-style inputs.
                    default -> {
                        long value = random.nextInt(2);
                        for (int b = 0; b < type.byteSize(); b++) {
                            data.put((byte) (b == 0 ? value : 0));
                        }
                    }
                }
            }
        }
        return Tensor.of(name, type, shape, data.rewind());
    }

    private static Tensor fromFile(String name, WarmupInput input, long[] shape, Path folder) {
        Path file = folder.resolve(input.inputFile()).normalize();
        if (!file.startsWith(folder)) {
            throw GantryException.invalidArgument("warm-up input file '%s' lies outside the model's warmup/ folder",
                    input.inputFile());
        }
        try {
            return Tensor.of(name, input.dataType(), shape,
                    ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException e) {
            throw GantryException.invalidArgument("cannot read warm-up input file %s: %s", file, e.getMessage());
        }
    }
}
