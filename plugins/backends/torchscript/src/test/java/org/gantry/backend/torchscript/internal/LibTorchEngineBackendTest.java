package org.gantry.backend.torchscript.internal;

import static org.gantry.backend.torchscript.internal.ExampleModels.simpleLinear;
import static org.gantry.backend.torchscript.internal.ExampleModels.tokenScorer;
import static org.gantry.backend.torchscript.internal.ExampleModels.versionedScale;
import static org.gantry.test.support.ExampleCases.assertOutputs;
import static org.gantry.test.support.ExampleCases.request;
import static org.gantry.test.support.TestTensors.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.HostTierable;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.engine.libtorch.LibTorchEngine;
import org.gantry.engine.libtorch.internal.LibTorchEngineComponent;
import org.gantry.test.support.TestLoadContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The backend with {@code engine=libtorch} on the bridge bundled in org.gantry.engine.libtorch (CPU, Debian's
 * libtorch in CI): the example models answer with the outputs (expected.json) and footprints that
 * {@link TorchScriptBackendTest} checks on DJL. DJL is not started here: one process holds one libtorch (surefire
 * runs each test class in its own JVM).
 */
class LibTorchEngineBackendTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("gantry.examples"));
    private static final Map<String, String> LIBTORCH = Map.of("engine", "libtorch");
    private static LibTorchEngine libtorch;
    private static TorchScriptBackend backend;
    private static TorchScriptBackend noEngine;

    @TempDir
    Path temp;

    @BeforeAll
    static void startEngines(@TempDir Path cache) {
        libtorch = LibTorchEngineComponent.open(LibTorchEngineComponent.extractBundled(cache));
        backend = new TorchScriptBackend(null, libtorch);
        noEngine = new TorchScriptBackend(null, null);
    }

    private static ModelConfig withEngine(ModelConfig config, Map<String, String> parameters) {
        return new ModelConfig(config.name(), config.platform(), config.backend(), config.maxBatchSize(),
                config.inputs(), config.outputs(), null, null, parameters, null);
    }

    @Test
    void theExampleModelsAnswerLikeTheDjlPath() throws IOException {
        int cases = 0;
        for (ModelConfig config : List.of(simpleLinear(LIBTORCH), tokenScorer(LIBTORCH), versionedScale(LIBTORCH))) {
            Path directory = EXAMPLES.resolve(config.name());
            JsonNode expected = new ObjectMapper().readTree(directory.resolve("expected.json").toFile());
            for (var version : expected.properties()) {
                long number = Long.parseLong(version.getKey());
                ModelConfig completed = backend.complete(new TestLoadContext(config, number, directory, Device.CPU));
                try (LoadedModel model = backend.load(new TestLoadContext(completed, number, directory, Device.CPU))) {
                    assertTrue(model instanceof LibTorchModel);
                    for (JsonNode testCase : version.getValue()) {
                        assertOutputs(testCase.get("outputs"), model.infer(request(testCase.get("inputs"))));
                        cases++;
                    }
                }
            }
        }
        assertEquals(4, cases);
    }

    @Test
    void footprintIsTheModulesBytes() {
        try (LoadedModel model = backend.load(new TestLoadContext(simpleLinear(LIBTORCH), 1,
                EXAMPLES.resolve("simple_linear"), Device.CPU))) {
            assertEquals(32, model.footprintBytes()); // as on DJL: W (3x2) and b (2) in FP32
        }
        try (LoadedModel model = backend.load(new TestLoadContext(tokenScorer(LIBTORCH), 1,
                EXAMPLES.resolve("token_scorer"), Device.CPU))) {
            assertEquals(256, model.footprintBytes()); // a 16x4 FP32 embedding
        }
    }

    @Test
    void aModelMovedToTheHostTierAndBackAnswersBitForBitAsBefore() throws IOException {
        List<Device> devices = libtorch.cudaAvailable() ? List.of(Device.CPU, Device.gpu(0)) : List.of(Device.CPU);
        Path directory = EXAMPLES.resolve("token_scorer");
        JsonNode testCase = new ObjectMapper().readTree(directory.resolve("expected.json").toFile()).get("1").get(0);
        for (Device device : devices) {
            try (LoadedModel model = backend.load(new TestLoadContext(tokenScorer(LIBTORCH), 1, directory, device))) {
                HostTierable tierable = (HostTierable) model;
                List<byte[]> before = bytes(model.infer(request(testCase.get("inputs"))));
                assertEquals(256, tierable.offloadToHost(), "the 16x4 FP32 embedding waits in host memory");
                tierable.restore(device);
                List<byte[]> after = bytes(model.infer(request(testCase.get("inputs"))));
                assertEquals(before.size(), after.size());
                for (int i = 0; i < before.size(); i++) {
                    assertArrayEquals(before.get(i), after.get(i), device + " output " + i);
                }
                assertOutputs(testCase.get("outputs"), model.infer(request(testCase.get("inputs"))));
            }
        }
    }

    private static List<byte[]> bytes(List<Tensor> tensors) {
        return tensors.stream().map(tensor -> {
            byte[] copy = new byte[tensor.data().remaining()];
            tensor.data().duplicate().get(copy);
            return copy;
        }).toList();
    }

    @Test
    void withoutTheEngineTheLoadNamesTheMissingBundle() {
        GantryException missing = assertThrows(GantryException.class, () -> noEngine.load(new TestLoadContext(
                simpleLinear(LIBTORCH), 1, EXAMPLES.resolve("simple_linear"), Device.CPU)));
        assertEquals(ErrorKind.UNAVAILABLE, missing.kind());
        assertTrue(missing.getMessage().contains("org.gantry.engine.libtorch"), missing.getMessage());
        assertEquals(java.util.Set.of(Device.Kind.CPU), noEngine.deviceKinds());
        GantryException noDjl = assertThrows(GantryException.class, () -> backend.load(new TestLoadContext(
                simpleLinear(Map.of()), 1, EXAMPLES.resolve("simple_linear"), Device.CPU)));
        assertEquals(ErrorKind.UNAVAILABLE, noDjl.kind());
        assertTrue(noDjl.getMessage().contains("org.gantry.engine.pytorch"), noDjl.getMessage());
    }

    @Test
    void gpuPlacementNeedsLibtorchWithCuda() {
        TestLoadContext onGpu = new TestLoadContext(simpleLinear(Map.of()), 1, EXAMPLES.resolve("simple_linear"),
                Device.gpu(0));
        GantryException djlOnGpu = assertThrows(GantryException.class, () -> backend.load(onGpu));
        assertTrue(djlOnGpu.getMessage().contains("CPU only"), djlOnGpu.getMessage());
        if (!libtorch.cudaAvailable()) {
            assertFalse(backend.deviceKinds().contains(Device.Kind.GPU));
            GantryException noCuda = assertThrows(GantryException.class, () -> backend.load(new TestLoadContext(
                    simpleLinear(LIBTORCH), 1, EXAMPLES.resolve("simple_linear"), Device.gpu(0))));
            assertTrue(noCuda.getMessage().contains("no CUDA device"), noCuda.getMessage());
        } else {
            assertTrue(backend.deviceKinds().contains(Device.Kind.GPU));
            try (LoadedModel model = backend.load(new TestLoadContext(simpleLinear(LIBTORCH), 1,
                    EXAMPLES.resolve("simple_linear"), Device.gpu(0)))) {
                assertEquals(32, model.footprintBytes());
                assertOutputs(fp32Expected(), model.infer(InferenceRequest.of(List.of(fp32("INPUT__0",
                        new long[] { 2, 3 }, 1, 2, 3, 4, 5, 6)))));
            }
        }
    }

    @Test
    void configurationErrorsAreCaughtBeforeLoading() {
        GantryException unknown = assertThrows(GantryException.class, () -> backend.load(new TestLoadContext(
                simpleLinear(Map.of("engine", "tensorrt")), 1, EXAMPLES.resolve("simple_linear"), Device.CPU)));
        assertTrue(unknown.getMessage().contains("'djl'") && unknown.getMessage().contains("'libtorch'"),
                unknown.getMessage());
        ModelConfig unsigned = new ModelConfig("u", "pytorch_libtorch", "", 0,
                List.of(new TensorConfig("INPUT__0", DataType.UINT32, List.of(1L))),
                List.of(new TensorConfig("OUTPUT__0", DataType.FP32, List.of(1L))), null, null, LIBTORCH, null);
        assertTrue(assertThrows(GantryException.class, () -> backend.complete(new TestLoadContext(unsigned, 1, temp,
                Device.CPU))).getMessage().contains("UINT32"));
    }

    @Test
    void corruptFilesAndBadInputsAreTheCallersErrors() throws IOException {
        Path model = Files.createDirectories(temp.resolve("simple_linear/1"));
        Files.write(model.resolve("model.pt"), "this is not a zip archive".getBytes());
        GantryException corrupt = assertThrows(GantryException.class, () -> backend.load(new TestLoadContext(
                simpleLinear(LIBTORCH), 1, temp.resolve("simple_linear"), Device.CPU)));
        assertEquals(ErrorKind.INVALID_ARGUMENT, corrupt.kind());
        assertTrue(corrupt.getMessage().contains("is not a loadable TorchScript model"), corrupt.getMessage());
        assertFalse(corrupt.getMessage().contains("\n"), corrupt.getMessage());
        try (LoadedModel linear = backend.load(new TestLoadContext(simpleLinear(LIBTORCH), 1,
                EXAMPLES.resolve("simple_linear"), Device.CPU))) {
            GantryException shape = assertThrows(GantryException.class, () -> linear.infer(InferenceRequest.of(
                    List.of(fp32("INPUT__0", new long[] { 1, 4 }, 1, 2, 3, 4)))));
            assertEquals(ErrorKind.INVALID_ARGUMENT, shape.kind());
            assertTrue(shape.getMessage().contains("rejected the input"), shape.getMessage());
        }
    }

    private static JsonNode fp32Expected() {
        try {
            return new ObjectMapper().readTree(EXAMPLES.resolve("simple_linear/expected.json").toFile()).get("1").get(0)
                    .get("outputs");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
