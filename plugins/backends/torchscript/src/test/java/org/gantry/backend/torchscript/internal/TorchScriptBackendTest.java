package org.gantry.backend.torchscript.internal;

import static org.gantry.test.support.ExampleCases.assertOutputs;
import static org.gantry.test.support.ExampleCases.request;
import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.test.support.TestLoadContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.engine.Engine;

/** The backend on DJL's real PyTorch engine (CPU), against the example models and torch's own outputs. */
class TorchScriptBackendTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("gantry.examples"));
    private static TorchScriptBackend backend;

    @TempDir
    Path temp;

    @BeforeAll
    static void startEngine() {
        backend = new TorchScriptBackend(Engine.getEngine("PyTorch"), (Object) null);
    }

    private static ModelConfig simpleLinear() {
        return ExampleModels.simpleLinear(Map.of());
    }

    @Test
    void outputsEqualTorchsForTheExampleModels() throws IOException {
        for (ModelConfig config : List.of(simpleLinear(), ExampleModels.tokenScorer(Map.of()))) {
            JsonNode cases = new ObjectMapper()
                    .readTree(EXAMPLES.resolve(config.name()).resolve("expected.json").toFile());
            Path folder = EXAMPLES.resolve(config.name());
            ModelConfig completed = backend.complete(TestLoadContext.onHost(config, 1, folder));
            TestLoadContext context = TestLoadContext.onHost(completed, 1, folder);
            try (LoadedModel model = backend.load(context)) {
                assertTrue(model.footprintBytes() > 0);
                for (JsonNode testCase : cases.get("1")) {
                    List<Tensor> outputs = model.infer(request(testCase.get("inputs")));
                    assertOutputs(testCase.get("outputs"), outputs);
                }
            }
        }
    }

    @Test
    void concurrentRequestsGetTheirOwnAnswers() throws Exception {
        TestLoadContext context = TestLoadContext.onHost(simpleLinear(), 1, EXAMPLES.resolve("simple_linear"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (LoadedModel model = backend.load(context)) {
            List<Future<float[]>> answers = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                float x = i;
                answers.add(pool.submit(() -> floats(model.infer(InferenceRequest.of(
                        List.of(fp32("INPUT__0", new long[] { 1, 3 }, x, 0, 0)))).get(0))));
            }
            for (int i = 0; i < answers.size(); i++) {
                // relu(x*1 + 10), relu(x*0.5 - 1)
                assertArrayEquals(new float[] { Math.max(i + 10f, 0), Math.max(i * 0.5f - 1f, 0) },
                        answers.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void missingAndCorruptModelFilesAreClearErrors() throws IOException {
        Path model = Files.createDirectories(temp.resolve("simple_linear/1"));
        GantryException missing = assertThrows(GantryException.class,
                () -> backend.load(TestLoadContext.onHost(simpleLinear(), 1, temp.resolve("simple_linear"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, missing.kind());
        assertTrue(missing.getMessage().contains("has no TorchScript file"), missing.getMessage());

        Files.write(model.resolve("model.pt"), "this is not a zip archive".getBytes());
        GantryException corrupt = assertThrows(GantryException.class,
                () -> backend.load(TestLoadContext.onHost(simpleLinear(), 1, temp.resolve("simple_linear"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, corrupt.kind());
        assertTrue(corrupt.getMessage().contains("is not a loadable TorchScript model"), corrupt.getMessage());
        assertTrue(!corrupt.getMessage().contains("\n"), "one line, no C++ stack: " + corrupt.getMessage());
    }

    private static ModelConfig simpleLinearIn(String modelFile) {
        return new ModelConfig("simple_linear", "pytorch_libtorch", "", 8, simpleLinear().inputs(),
                simpleLinear().outputs(), null, null, java.util.Map.of("default_model_filename", modelFile), null);
    }

    @Test
    void defaultModelFilenameNamesAFileOfTheVersionAndNothingOutsideWhetherItExistsOrNot() throws IOException {
        Path version = Files.createDirectories(temp.resolve("simple_linear/1"));
        Files.copy(EXAMPLES.resolve("simple_linear/1/model.pt"), version.resolve("weights.pt"));
        Path outside = Files.copy(EXAMPLES.resolve("simple_linear/1/model.pt"),
                Files.createDirectories(temp.resolve("outside")).resolve("model.pt"));
        Files.createSymbolicLink(version.resolve("link.pt"), outside);

        try (LoadedModel model = backend.load(TestLoadContext.onHost(simpleLinearIn("weights.pt"), 1,
                temp.resolve("simple_linear")))) {
            assertEquals(32, model.footprintBytes());
        }
        for (String name : List.of(outside.toString(), "../../outside/model.pt", "a/../../../outside/model.pt",
                "link.pt")) {
            TestLoadContext context = TestLoadContext.onHost(simpleLinearIn(name), 1, temp.resolve("simple_linear"));
            String expected = "model 'simple_linear': parameter 'default_model_filename' must name a file inside the"
                    + " model's folder, not '" + name + "'";
            GantryException existing = assertThrows(GantryException.class, () -> backend.load(context), name);
            assertEquals(ErrorKind.INVALID_ARGUMENT, existing.kind());
            assertEquals(expected, existing.getMessage());
            Files.move(outside, temp.resolve("aside.pt"));
            assertEquals(expected, assertThrows(GantryException.class, () -> backend.load(context)).getMessage(),
                    name + " without the file outside");
            Files.move(temp.resolve("aside.pt"), outside);
        }
    }

    @Test
    void aConfigWithoutTensorsOrWithStringsIsRejectedBeforeLoading() {
        ModelConfig bare = new ModelConfig("bare", "pytorch_libtorch", "", 0, null, null, null, null, null, null);
        assertThrows(GantryException.class, () -> backend.complete(TestLoadContext.onHost(bare, 1, temp)));
        ModelConfig strings = new ModelConfig("s", "pytorch_libtorch", "", 0,
                List.of(new TensorConfig("INPUT__0", DataType.BYTES, List.of(1L))),
                List.of(new TensorConfig("OUTPUT__0", DataType.FP32, List.of(1L))), null, null, null, null);
        assertTrue(assertThrows(GantryException.class, () -> backend.complete(TestLoadContext.onHost(strings, 1, temp)))
                .getMessage().contains("BYTES"));
    }

    @Test
    void anInputTheModuleCannotTakeIsTheCallersError() {
        try (LoadedModel model = backend.load(TestLoadContext.onHost(simpleLinear(), 1,
                EXAMPLES.resolve("simple_linear")))) {
            // Four features where the weight matrix takes three: libtorch refuses the matmul.
            GantryException error = assertThrows(GantryException.class,
                    () -> model.infer(InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1, 4 }, 1, 2, 3, 4)))));
            assertEquals(ErrorKind.INVALID_ARGUMENT, error.kind());
        }
    }

    @Test
    void theFootprintCountsEveryStoredTensor() throws IOException {
        // simple_linear: W (3x2) and b (2) in FP32; token_scorer: a 16x4 FP32 embedding.
        assertEquals(32, TorchScriptBackend.tensorStorageBytes(EXAMPLES.resolve("simple_linear/1/model.pt")));
        assertEquals(256, TorchScriptBackend.tensorStorageBytes(EXAMPLES.resolve("token_scorer/1/model.pt")));
        try (LoadedModel model = backend.load(TestLoadContext.onHost(simpleLinear(), 1,
                EXAMPLES.resolve("simple_linear")))) {
            assertEquals(32, model.footprintBytes());
        }
    }

    @Test
    void withoutTheLibtorchEngineAModelAskingForItNamesTheBundleAndDjlModelsStayOnTheCpu() {
        ModelConfig libtorch = new ModelConfig("simple_linear", "pytorch_libtorch", "", 8, simpleLinear().inputs(),
                simpleLinear().outputs(), null, null, java.util.Map.of("engine", "libtorch"), null);
        GantryException missing = assertThrows(GantryException.class,
                () -> backend.load(TestLoadContext.onHost(libtorch, 1, EXAMPLES.resolve("simple_linear"))));
        assertEquals(ErrorKind.UNAVAILABLE, missing.kind());
        assertTrue(missing.getMessage().contains("org.gantry.engine.libtorch"), missing.getMessage());
        assertEquals(java.util.Set.of(Device.Kind.CPU), backend.deviceKinds());
        GantryException gpu = assertThrows(GantryException.class, () -> backend.load(
                new TestLoadContext(simpleLinear(), 1, EXAMPLES.resolve("simple_linear"), Device.gpu(0))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, gpu.kind());
        assertTrue(gpu.getMessage().contains("CPU only"), gpu.getMessage());
    }

    @Test
    void tritonIndexSuffixesOrderTheArguments() {
        List<TensorConfig> tensors = List.of(new TensorConfig("b__1", DataType.FP32, List.of(1L)),
                new TensorConfig("a__0", DataType.FP32, List.of(1L)));
        assertEquals(List.of("a__0", "b__1"), TorchScriptBackend.orderedNames(tensors));
        List<TensorConfig> plain = List.of(new TensorConfig("ids", DataType.FP32, List.of(1L)),
                new TensorConfig("mask", DataType.FP32, List.of(1L)));
        assertEquals(List.of("ids", "mask"), TorchScriptBackend.orderedNames(plain));
    }
}
