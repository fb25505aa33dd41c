package org.gantry.grpc.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelStatus;
import org.gantry.api.server.TensorMetadata;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

/**
 * A server with four models: {@code echo} answers with its input renamed {@code OUTPUT}, {@code slow} does too
 * after 1.5 s, {@code counter} streams one response per count up to its {@code count} parameter, and
 * {@code endless} streams until its client goes away. Every other name is unknown. Management calls are recorded.
 */
class FakeModelServer implements ModelServer {

    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<ModelOverride> overrides = new CopyOnWriteArrayList<>();
    /** How {@code endless} ended: the failure its last response met. */
    volatile RuntimeException endlessStoppedBy;
    volatile boolean ready = true;
    /** Inferences that reached the server. */
    final java.util.concurrent.atomic.AtomicInteger inferences = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public String name() {
        return "gantry";
    }

    @Override
    public String version() {
        return "0.1.0";
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    private static void known(String model) {
        if (!List.of("echo", "slow", "counter", "endless").contains(model)) {
            throw GantryException.notFound("unknown model '%s'", model);
        }
    }

    @Override
    public InferenceResponse infer(String modelName, String version, InferenceRequest request) {
        known(modelName);
        inferences.incrementAndGet();
        if (modelName.equals("slow")) {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new InferenceResponse(modelName, "1", request.id(), Map.of(),
                List.of(request.inputs().get(0).withName("OUTPUT")));
    }

    @Override
    public void inferStream(String modelName, String version, InferenceRequest request,
            Consumer<InferenceResponse> responses) {
        known(modelName);
        if (modelName.equals("endless")) {
            try {
                for (long i = 0;; i++) {
                    responses.accept(counted(modelName, request, i, false));
                    Thread.sleep(5);
                }
            } catch (RuntimeException e) {
                endlessStoppedBy = e;
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        long count = ((Number) request.parameters().getOrDefault("count", 1L)).longValue();
        for (long i = 0; i < count; i++) {
            responses.accept(counted(modelName, request, i, i == count - 1));
        }
    }

    private static InferenceResponse counted(String model, InferenceRequest request, long value, boolean last) {
        Tensor tensor = Tensor.of("COUNT", DataType.INT64, new long[] { 1 },
                java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, value));
        return new InferenceResponse(model, "1", request.id(), Map.of(FINAL_RESPONSE, last), List.of(tensor));
    }

    @Override
    public ModelMetadata metadata(String modelName, String version) {
        known(modelName);
        return new ModelMetadata(modelName, List.of("1"), "fake",
                List.of(new TensorMetadata("INPUT", DataType.FP32, List.of(-1L, 3L))),
                List.of(new TensorMetadata("OUTPUT", DataType.FP32, List.of(-1L, 3L))));
    }

    @Override
    public ModelConfig config(String modelName, String version) {
        known(modelName);
        return new ModelConfig(modelName, "fake", "", 8, List.of(), List.of(), null, List.of(), Map.of(), List.of());
    }

    @Override
    public boolean isModelReady(String modelName, String version) {
        return modelName.equals("echo");
    }

    /** {@code echo} is loaded, {@code counter} would load on its first request, {@code endless} would not. */
    @Override
    public boolean willServe(String modelName, String version) {
        return modelName.equals("echo") || modelName.equals("counter");
    }

    @Override
    public List<ModelStatistics> statistics(String modelName, String version) {
        if (modelName != null) {
            known(modelName);
        }
        ModelStatistics.Duration tenCalls = new ModelStatistics.Duration(10, 5_000);
        return List.of(new ModelStatistics("echo", "1", 1234, 10, 9, tenCalls, new ModelStatistics.Duration(0, 0),
                tenCalls, tenCalls, tenCalls, tenCalls, List.of(new ModelStatistics.MemoryUsage("CPU", 0, 4096)),
                List.of(new ModelStatistics.BatchStatistics(1, tenCalls, tenCalls, tenCalls))));
    }

    @Override
    public List<ModelStatus> index() {
        return List.of(new ModelStatus("counter", "", ModelState.UNAVAILABLE, ""),
                new ModelStatus("echo", "1", ModelState.READY, ""));
    }

    @Override
    public void load(String modelName) {
        load(modelName, new ModelOverride(null, Map.of()));
    }

    @Override
    public void load(String modelName, ModelOverride override) {
        known(modelName);
        calls.add("load " + modelName);
        overrides.add(override);
    }

    @Override
    public void unload(String modelName) {
        known(modelName);
        calls.add("unload " + modelName);
    }

    @Override
    public void add(String modelName, Path directory) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void remove(String modelName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SortedMap<String, Path> addedModels() {
        return new TreeMap<>();
    }

    @Override
    public void pin(String modelName, boolean pinned) {
        throw new UnsupportedOperationException();
    }

    List<String> calls() {
        return new ArrayList<>(calls);
    }
}
