package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.fp32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.model.InstanceGroup;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.test.support.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.gantry.test.support.LoadedModels;

/** Where models land: instance_group kinds and GPUs, the freest GPU, and host memory staged for GPU loads. */
class PlacementTest {

    /** A backend for CPU and GPU that records where each model loaded and what the host held meanwhile. */
    private final class RecordingBackend extends TestBackend {
        final Map<String, Device> placed = new ConcurrentHashMap<>();
        final Map<String, Long> hostUsedWhileLoading = new ConcurrentHashMap<>();

        RecordingBackend() {
            super("any", "test_platform", TestBackend.HOST_AND_GPU);
        }

        @Override
        public LoadedModel load(ModelLoadContext context) {
            placed.put(context.config().name(), context.device());
            hostUsedWhileLoading.put(context.config().name(), host().usedBytes());
            return LoadedModels.answering(request -> List.of(request.inputs().get(0).withName("OUTPUT__0")), 400);
        }
    }

    private MemoryRepository repository;
    private MemoryManagerImpl memory;
    private ModelManager manager;
    private final RecordingBackend backend = new RecordingBackend();

    @BeforeEach
    void start(@TempDir Path models) {
        repository = new MemoryRepository(models);
        memory = MemoryManagerImpl.withSimulatedGpus(10_000, List.of(1_000L, 2_000L));
        manager = new ModelManager(repository, memory, TestModels.config(0));
        manager.addBackend(backend);
    }

    @AfterEach
    void stop() {
        manager.deactivate();
    }

    private MemoryReport.DeviceMemory host() {
        return memory.report().devices().get(0);
    }

    private void add(String name, InstanceGroup.Kind kind, List<Integer> gpus) {
        List<InstanceGroup> groups = kind == null ? List.of() : List.of(new InstanceGroup("", 1, kind, gpus));
        repository.add(new ModelConfig(name, "test_platform", "", 0,
                List.of(new TensorConfig("INPUT__0", DataType.FP32, List.of(-1L))),
                List.of(new TensorConfig("OUTPUT__0", DataType.FP32, List.of(-1L))), null, groups, Map.of(),
                List.of()), 1L);
    }

    private void infer(String name) {
        manager.infer(name, null, InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 }, 1))));
    }

    @Test
    void instanceGroupsDecideTheDevice() {
        add("auto", null, List.of());
        add("named", InstanceGroup.Kind.GPU, List.of(0));
        add("cpu", InstanceGroup.Kind.CPU, List.of());
        infer("auto");
        infer("named");
        infer("cpu");
        assertEquals(Device.gpu(1), backend.placed.get("auto"), "the GPU with the most free budget");
        assertEquals(Device.gpu(0), backend.placed.get("named"));
        assertEquals(Device.CPU, backend.placed.get("cpu"));
        assertEquals(400, memory.report().devices().get(1).usedBytes());
        assertEquals(400, memory.report().devices().get(2).usedBytes());
    }

    @Test
    void aGpuLoadStagesItsArtifactInHostMemoryOnlyWhileLoading() {
        add("auto", null, List.of());
        infer("auto");
        assertEquals(100, backend.hostUsedWhileLoading.get("auto"), "the 100-byte artifact passes through the host");
        assertEquals(0, host().usedBytes(), "released once loaded");
    }

    @Test
    void aGpuThatDoesNotExistIsAClearError() {
        add("missing", InstanceGroup.Kind.GPU, List.of(3));
        GantryException error = assertThrows(GantryException.class, () -> manager.load("missing"));
        assertEquals(ErrorKind.INSUFFICIENT_MEMORY, error.kind());
        assertTrue(error.getMessage().contains("asks for [cuda:3] but this server has [cuda:0, cuda:1]"),
                error.getMessage());
    }
}
