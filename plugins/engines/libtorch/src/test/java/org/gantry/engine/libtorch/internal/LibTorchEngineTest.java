package org.gantry.engine.libtorch.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.gantry.engine.libtorch.LibTorchEngine;
import org.gantry.engine.libtorch.LibTorchException;
import org.gantry.engine.libtorch.LibTorchModule;
import org.gantry.engine.libtorch.NativeDataType;
import org.gantry.engine.libtorch.NativeTensor;
import org.gantry.test.support.ExampleCases;
import org.gantry.test.support.TestTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The bridge built by this module's CMake step, on the CPU, against the example models and torch's outputs. */
class LibTorchEngineTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("gantry.examples"));
    /** Answers [relu(x*1 + 10), relu(x*0.5 - 1)] to [x, 0, 0]. */
    private static final Path SIMPLE_LINEAR = EXAMPLES.resolve("simple_linear/1/model.pt");
    private static LibTorchEngine engine;

    @TempDir
    Path temp;

    @BeforeAll
    static void loadBridge() {
        engine = LibTorchEngineComponent.open(Path.of(System.getProperty("gantry.libtorch.library")));
    }

    @Test
    void theExampleModelsAnswerAsTorchDid() throws IOException {
        // model -> {version -> input names in forward's order}
        Map<String, List<String>> models = Map.of("simple_linear", List.of("INPUT__0"), "token_scorer",
                List.of("token_ids", "token_weights"), "versioned_scale", List.of("INPUT__0"));
        int cases = 0;
        for (var model : models.entrySet()) {
            JsonNode expected = new ObjectMapper()
                    .readTree(EXAMPLES.resolve(model.getKey()).resolve("expected.json").toFile());
            for (var entry : expected.properties()) {
                Path file = EXAMPLES.resolve(model.getKey()).resolve(entry.getKey()).resolve("model.pt");
                try (LibTorchModule module = engine.load(file, "cpu")) {
                    for (JsonNode testCase : entry.getValue()) {
                        List<NativeTensor> inputs = new ArrayList<>();
                        for (String name : model.getValue()) {
                            inputs.add(tensor(find(testCase.get("inputs"), name)));
                        }
                        List<NativeTensor> outputs = module.forward(inputs);
                        JsonNode want = testCase.get("outputs");
                        assertEquals(want.size(), outputs.size(), model.getKey());
                        for (int i = 0; i < want.size(); i++) {
                            assertValues(want.get(i), outputs.get(i));
                        }
                        cases++;
                    }
                }
            }
        }
        assertEquals(4, cases);
    }

    @Test
    void bytesAreParametersAndBuffers() throws Exception {
        try (LibTorchModule module = engine.load(SIMPLE_LINEAR, "cpu")) {
            assertEquals(32, module.bytes()); // W 3x2 and b 2, FP32
        }
        try (LibTorchModule module = engine.load(fixture("list_of_two.pt"), "cpu")) {
            assertEquals(3 * 4 + 4 * 8, module.bytes()); // a FP32 parameter of 3 and a FP64 buffer of 4
        }
        try (LibTorchModule module = engine.load(fixture("identity.pt"), "cpu")) {
            assertEquals(0, module.bytes());
        }
    }

    @Test
    void everyDataTypeGoesThroughUnchanged() throws Exception {
        try (LibTorchModule identity = engine.load(fixture("identity.pt"), "cpu")) {
            for (NativeDataType type : NativeDataType.values()) {
                byte[] bytes = new byte[6 * type.byteSize()];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (type == NativeDataType.BOOL ? i % 2 : i * 7 + 1);
                }
                for (ByteBuffer data : List.of(ByteBuffer.wrap(bytes).asReadOnlyBuffer(),
                        ByteBuffer.allocateDirect(bytes.length).put(bytes).flip())) {
                    NativeTensor output = identity.forward(List.of(NativeTensor.of(type, new long[] { 2, 3 }, data)))
                            .get(0);
                    assertEquals(type, output.type());
                    assertArrayEquals(new long[] { 2, 3 }, output.shape());
                    byte[] back = new byte[bytes.length];
                    output.data().get(back);
                    assertArrayEquals(bytes, back, type.toString());
                }
            }
            // A scalar and an empty tensor.
            NativeTensor scalar = identity.forward(List.of(NativeTensor.of(NativeDataType.INT64, new long[0],
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42).flip()))).get(0);
            assertEquals(0, scalar.shape().length);
            assertEquals(42, scalar.data().getLong());
            NativeTensor empty = identity.forward(List.of(NativeTensor.of(NativeDataType.FP32, new long[] { 0, 3 },
                    ByteBuffer.allocate(0)))).get(0);
            assertArrayEquals(new long[] { 0, 3 }, empty.shape());
        }
    }

    @Test
    void aListResultGivesEveryTensor() throws Exception {
        try (LibTorchModule module = engine.load(fixture("list_of_two.pt"), "cpu")) {
            List<NativeTensor> outputs = module.forward(List.of(fp32(new long[] { 1, 3 }, 1, 1, 2)));
            assertEquals(2, outputs.size());
            assertEquals(NativeDataType.FP32, outputs.get(0).type());
            assertEquals(NativeDataType.FP64, outputs.get(1).type());
            assertArrayEquals(new long[] { 1, 1 }, outputs.get(1).shape());
            assertEquals(9.0, outputs.get(1).data().getDouble()); // 1*1 + 1*2 + 2*3
        }
    }

    @Test
    void badFilesAndBadInputsAreJavaExceptionsWithLibtorchsMessage() throws Exception {
        Path corrupt = Files.write(temp.resolve("corrupt.pt"), "this is not a zip archive".getBytes());
        LibTorchException notZip = assertThrows(LibTorchException.class, () -> engine.load(corrupt, "cpu"));
        assertTrue(notZip.getMessage().contains("zip"), notZip.getMessage());
        assertThrows(LibTorchException.class, () -> engine.load(temp.resolve("missing.pt"), "cpu"));
        LibTorchException device = assertThrows(LibTorchException.class,
                () -> engine.load(SIMPLE_LINEAR, "tpu:7"));
        assertFalse(device.getMessage().isBlank());

        try (LibTorchModule module = engine.load(SIMPLE_LINEAR, "cpu")) {
            // Four features where W takes three: libtorch refuses the matmul, the JVM goes on.
            LibTorchException shape = assertThrows(LibTorchException.class,
                    () -> module.forward(List.of(fp32(new long[] { 1, 4 }, 1, 2, 3, 4))));
            assertTrue(shape.getMessage().contains("shape") || shape.getMessage().contains("size"), shape.getMessage());
            assertFalse(shape.getMessage().contains("Exception raised from"), "no C++ stack: " + shape.getMessage());
            assertFalse(shape.outOfMemory());
            assertThrows(LibTorchException.class, () -> module.forward(List.of()));
            // Still works afterwards.
            assertEquals(2, module.forward(List.of(fp32(new long[] { 1, 3 }, 1, 2, 3))).get(0).shape()[1]);
        }
        try (LibTorchModule module = engine.load(fixture("dictionary.pt"), "cpu")) {
            LibTorchException dict = assertThrows(LibTorchException.class,
                    () -> module.forward(List.of(fp32(new long[] { 1 }, 1))));
            assertTrue(dict.getMessage().contains("Dict"), dict.getMessage());
        }
    }

    @Test
    void aModuleMovedAwayAndBackAnswersBitForBitAsBefore() throws Exception {
        // A parameter and a buffer of two dtypes, and a model of several layers: every tensor makes the round trip.
        List<NativeTensor> twoInputs = List.of(fp32(new long[] { 1, 3 }, 0.1f, -2.5f, 3.75f));
        List<NativeTensor> scorerInputs = List.of(
                NativeTensor.of(NativeDataType.INT64, new long[] { 1, 3 },
                        ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(3).putLong(5).putLong(1).flip()),
                fp32(new long[] { 1, 3 }, 0.3f, 1.7f, -0.9f));
        for (var fileAndInputs : Map.of(fixture("list_of_two.pt"), twoInputs,
                EXAMPLES.resolve("token_scorer/1/model.pt"), scorerInputs).entrySet()) {
            try (LibTorchModule module = engine.load(fileAndInputs.getKey(), "cpu")) {
                List<byte[]> before = bytesOf(module.forward(fileAndInputs.getValue()));
                for (int trip = 0; trip < 3; trip++) {
                    assertEquals(module.bytes(), module.moveTo("cpu"), "every parameter and buffer is copied");
                    assertEquals("cpu", module.device());
                    List<byte[]> after = bytesOf(module.forward(fileAndInputs.getValue()));
                    assertEquals(before.size(), after.size());
                    for (int i = 0; i < before.size(); i++) {
                        assertArrayEquals(before.get(i), after.get(i), fileAndInputs.getKey() + " output " + i);
                    }
                }
            }
        }
    }

    @Test
    void aMoveWaitsForCallsInFlightAndABadDeviceLeavesTheModuleWhereItWas() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (LibTorchModule module = engine.load(SIMPLE_LINEAR, "cpu")) {
            List<Future<ByteBuffer>> answers = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                answers.add(submitForward(pool, module, i));
                if (i % 50 == 0) {
                    pool.submit(() -> module.moveTo("cpu"));
                }
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(i + 10f, answers.get(i).get().getFloat()); // relu(x*1 + 10), moved or not
            }
            assertThrows(LibTorchException.class, () -> module.moveTo("tpu:7"));
            assertEquals("cpu", module.device());
            assertEquals(12f, module.forward(List.of(fp32(new long[] { 1, 3 }, 2, 0, 0))).get(0).data().getFloat());
        } finally {
            pool.shutdownNow();
        }
        LibTorchModule closed = engine.load(SIMPLE_LINEAR, "cpu");
        closed.close();
        assertThrows(LibTorchException.class, () -> closed.moveTo("cpu"));
    }

    @Test
    void aClosedModuleRefusesCallsAndClosesTwiceHarmlessly() {
        LibTorchModule module = engine.load(SIMPLE_LINEAR, "cpu");
        module.close();
        module.close();
        assertThrows(LibTorchException.class, () -> module.forward(List.of(fp32(new long[] { 1, 3 }, 1, 2, 3))));
        assertThrows(LibTorchException.class, module::bytes);
    }

    @Test
    void concurrentCallsGetTheirOwnAnswers() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (LibTorchModule module = engine.load(SIMPLE_LINEAR, "cpu")) {
            List<Future<ByteBuffer>> answers = IntStream.range(0, 200).mapToObj(i -> submitForward(pool, module, i))
                    .toList();
            for (int i = 0; i < answers.size(); i++) {
                ByteBuffer answer = answers.get(i).get();
                assertEquals(i + 10f, answer.getFloat()); // relu(x*1 + 10)
                assertEquals(Math.max(i * 0.5f - 1f, 0), answer.getFloat()); // relu(x*0.5 - 1)
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void loadForwardCloseCyclesDoNotLeak() throws Exception {
        Path file = EXAMPLES.resolve("token_scorer/1/model.pt");
        List<NativeTensor> inputs = List.of(
                NativeTensor.of(NativeDataType.INT64, new long[] { 1, 2 },
                        ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(3).putLong(5).flip()),
                fp32(new long[] { 1, 2 }, 1, 1));
        for (int i = 0; i < 20; i++) { // let allocators and the interpreter reach their steady state
            try (LibTorchModule module = engine.load(file, "cpu")) {
                module.forward(inputs);
            }
        }
        long before = rssKiB();
        for (int i = 0; i < 200; i++) {
            try (LibTorchModule module = engine.load(file, "cpu")) {
                module.forward(inputs);
            }
        }
        long grown = rssKiB() - before;
        assertTrue(grown < 32 * 1024, "RSS grew by " + grown + " KiB over 200 cycles");
    }

    @Test
    void theCpuBuildReportsNoCuda() {
        assertFalse(engine.version().isBlank());
        if (!engine.cudaAvailable()) {
            assertEquals(0, engine.cudaDeviceCount());
            engine.emptyCache(); // harmless without CUDA
        }
        if (!((NativeEngine) engine).builtWithCuda()) {
            assertThrows(LibTorchException.class, () -> engine.cudaMemory(0));
        }
    }

    @Test
    void theCacheFolderAndTheLoadedLibTorchAreFound() {
        assertEquals(Path.of("/data/gantry-libtorch"), LibTorchEngineComponent.cacheDir(" ", "/data", "/tmp", "u"));
        assertEquals(Path.of("/tmp/gantry-libtorch-u"), LibTorchEngineComponent.cacheDir(null, null, "/tmp", "u"));
        assertEquals(Path.of("/c"), LibTorchEngineComponent.cacheDir("/c", "/data", "/tmp", "u"));
        // The bridge's own libtorch does not count as another one; opening again is harmless.
        assertEquals(null, LibTorchEngineComponent.loadedLibTorch());
        LibTorchEngineComponent.open(Path.of(System.getProperty("gantry.libtorch.library")));
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(LibTorchEngineTest.class.getResource("/fixtures/" + name).toURI());
    }

    private static JsonNode find(JsonNode inputs, String name) {
        for (JsonNode input : inputs) {
            if (input.get("name").asText().equals(name)) {
                return input;
            }
        }
        throw new AssertionError("no input " + name);
    }

    private static NativeTensor tensor(JsonNode input) {
        return NativeTensor.of(NativeDataType.forName(input.get("datatype").asText()), ExampleCases.shape(input),
                ExampleCases.data(input));
    }

    private static void assertValues(JsonNode want, NativeTensor got) {
        ExampleCases.assertValues(want, got.type() == NativeDataType.INT64, got.shape(), got.data());
    }

    /** Runs simple_linear's {@code module} on [x, 0, 0] in {@code pool}; the future holds the output's data. */
    private static Future<ByteBuffer> submitForward(ExecutorService pool, LibTorchModule module, float x) {
        return pool.submit(() -> module.forward(List.of(fp32(new long[] { 1, 3 }, x, 0, 0))).get(0).data());
    }

    private static NativeTensor fp32(long[] shape, float... values) {
        return NativeTensor.of(NativeDataType.FP32, shape, TestTensors.fp32("", shape, values).data());
    }

    private static List<byte[]> bytesOf(List<NativeTensor> tensors) {
        List<byte[]> all = new ArrayList<>();
        for (NativeTensor tensor : tensors) {
            byte[] bytes = new byte[tensor.data().remaining()];
            tensor.data().duplicate().get(bytes);
            all.add(bytes);
        }
        return all;
    }

    private static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS in /proc/self/status");
    }
}
