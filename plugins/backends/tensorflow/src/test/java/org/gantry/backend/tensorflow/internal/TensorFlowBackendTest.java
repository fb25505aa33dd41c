package org.gantry.backend.tensorflow.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.engine.tensorflow.TensorFlowEngine;
import org.gantry.test.support.TestLoadContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.TensorFlow;

/** The backend on real TensorFlow, with SavedModels that {@link SavedModelFixtures} writes at build time. */
class TensorFlowBackendTest {

    private static final Path MODELS = Path.of("target", "tf-models");
    private static TensorFlowBackend backend;

    @BeforeAll
    static void writeModels() throws IOException {
        if (!Files.isDirectory(MODELS.resolve("tf_optional"))) { // the newest fixture: older runs lack it
            SavedModelFixtures.writeAll(MODELS);
        }
        TensorFlowEngine engine = TensorFlow::version;
        backend = new TensorFlowBackend(engine);
    }

    private static TestLoadContext context(String model, ModelConfig config) {
        return TestLoadContext.onHost(config, 1, MODELS.resolve(model));
    }

    private static ModelConfig bare(String model, Map<String, String> parameters) {
        return new ModelConfig(model, "tensorflow_savedmodel", "", 0, null, null, null, null, parameters, null);
    }

    private static LoadedModel load(String model, ModelConfig config) {
        ModelConfig completed = backend.complete(context(model, config));
        return backend.load(context(model, completed));
    }

    private static Tensor output(List<Tensor> outputs, String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aConfigurationWithoutTensorsIsCompletedFromTheSignature() {
        ModelConfig completed = backend.complete(context("tf_affine", bare("tf_affine", Map.of())));

        assertEquals(SignatureConfig.DEFAULT_MAX_BATCH_SIZE, completed.maxBatchSize());
        assertEquals(List.of(new TensorConfig("x", DataType.FP32, List.of(4L))), completed.inputs());
        assertEquals(List.of(new TensorConfig("s", DataType.FP32, List.of()),
                new TensorConfig("y", DataType.FP32, List.of(4L))), completed.outputs());
    }

    @Test
    void affineAnswersInClosedForm() {
        try (LoadedModel model = load("tf_affine", bare("tf_affine", Map.of()))) {
            List<Tensor> outputs = model.infer(InferenceRequest.of(List.of(fp32("x", new long[] { 2, 4 },
                    1, 2, 3, 4, 0, -1, 0.5f, 0))));

            assertArrayEquals(new float[] { 3, 5, 7, 9, 1, -1, 2, 1 }, floats(output(outputs, "y")));
            assertArrayEquals(new long[] { 2, 4 }, output(outputs, "y").shape());
            assertArrayEquals(new float[] { 10, -0.5f }, floats(output(outputs, "s")));
            assertTrue(model.footprintBytes() > 0, "the variables' bytes");
        }
    }

    @Test
    void stringsGoInAndComeOutAsBytes() {
        ModelConfig config = new ModelConfig("tf_strings", "", "tensorflow", 8,
                List.of(new TensorConfig("text", DataType.BYTES, List.of())),
                List.of(new TensorConfig("length", DataType.INT32, List.of()),
                        new TensorConfig("shout", DataType.BYTES, List.of())),
                null, null, null, null);
        try (LoadedModel model = load("tf_strings", config)) {
            Tensor text = Tensor.ofBytes("text", new long[] { 3 }, List.of("ab".getBytes(StandardCharsets.UTF_8),
                    "héllo".getBytes(StandardCharsets.UTF_8), new byte[0]));

            List<Tensor> outputs = model.infer(InferenceRequest.of(List.of(text)));

            ByteBuffer lengths = output(outputs, "length").data();
            assertEquals(List.of(2, 6, 0), List.of(lengths.getInt(), lengths.getInt(), lengths.getInt()));
            assertEquals(List.of("AB!", "HéLLO!", "!"), output(outputs, "shout").bytesElementsAsStrings());
        }
    }

    @Test
    void integerBooleanAndDoubleTensorsMapToTheirKServeTypes() {
        try (LoadedModel model = load("tf_types", bare("tf_types", Map.of()))) {
            ByteBuffer a = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-2).flip();
            ByteBuffer b = ByteBuffer.wrap(new byte[] { 1, 0 });
            ByteBuffer c = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(1).putDouble(-1).flip();
            List<Tensor> outputs = model.infer(InferenceRequest.of(List.of(Tensor.of("a", DataType.INT64,
                    new long[] { 1, 2 }, a), Tensor.of("b", DataType.BOOL, new long[] { 1, 2 }, b),
                    Tensor.of("c", DataType.FP64, new long[] { 1, 2 }, c))));

            ByteBuffer tripled = output(outputs, "tripled").data();
            assertEquals(DataType.INT64, output(outputs, "tripled").dataType());
            assertEquals(List.of(21L, -6L), List.of(tripled.getLong(), tripled.getLong()));
            ByteBuffer negated = output(outputs, "negated").data();
            assertEquals(List.of((byte) 0, (byte) 1), List.of(negated.get(), negated.get()));
            ByteBuffer shifted = output(outputs, "shifted").data();
            assertEquals(List.of(1.5, -0.5), List.of(shifted.getDouble(), shifted.getDouble()));
        }
    }

    @Test
    void aSignatureOtherThanServingDefaultIsNamedByParameter() {
        GantryException missing = assertThrows(GantryException.class,
                () -> backend.complete(context("tf_signature", bare("tf_signature", Map.of()))));
        assertTrue(missing.getMessage().contains("predict"), missing.getMessage());

        try (LoadedModel model = load("tf_signature", bare("tf_signature", Map.of("signature_name", "predict")))) {
            List<Tensor> outputs = model.infer(InferenceRequest.of(List.of(fp32("x", new long[] { 2 }, 1, -2))));
            assertArrayEquals(new float[] { 10, -20 }, floats(outputs.get(0)));
        }
    }

    @Test
    void anOptionalInputMayBeLeftOutAndTheGraphUsesItsDefault() {
        ModelConfig config = new ModelConfig("tf_optional", "tensorflow_savedmodel", "", 0,
                List.of(new TensorConfig("x", DataType.FP32, List.of(-1L)),
                        new TensorConfig("bias", DataType.FP32, List.of(1L), List.of(), true)),
                List.of(new TensorConfig("y", DataType.FP32, List.of(-1L))), null, null, null, null);
        try (LoadedModel model = load("tf_optional", config)) {
            List<Tensor> withoutBias = model.infer(InferenceRequest.of(List.of(fp32("x", new long[] { 2 }, 1, 2))));
            List<Tensor> withBias = model.infer(InferenceRequest.of(List.of(fp32("x", new long[] { 2 }, 1, 2),
                    fp32("bias", new long[] { 1 }, 10))));

            assertArrayEquals(new float[] { 1, 2 }, floats(output(withoutBias, "y")));
            assertArrayEquals(new float[] { 11, 12 }, floats(output(withBias, "y")));
        }
    }

    @Test
    void badInputsAndCorruptModelsGetClearErrors() {
        try (LoadedModel model = load("tf_affine", bare("tf_affine", Map.of()))) {
            ByteBuffer ints = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            GantryException wrongType = assertThrows(GantryException.class, () -> model.infer(InferenceRequest.of(
                    List.of(Tensor.of("x", DataType.INT32, new long[] { 1, 4 }, ints)))));
            assertEquals(ErrorKind.INVALID_ARGUMENT, wrongType.kind());
        }
        GantryException corrupt = assertThrows(GantryException.class,
                () -> backend.complete(context("tf_corrupt", bare("tf_corrupt", Map.of()))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, corrupt.kind());
        assertTrue(corrupt.getMessage().contains("tf_corrupt"), corrupt.getMessage());
        GantryException wrongDeclaration = assertThrows(GantryException.class, () -> backend.complete(context(
                "tf_affine", new ModelConfig("tf_affine", "tensorflow_savedmodel", "", 4,
                        List.of(new TensorConfig("x", DataType.INT32, List.of(4L))),
                        List.of(new TensorConfig("y", DataType.FP32, List.of(4L))), null, null, null, null))));
        assertTrue(wrongDeclaration.getMessage().contains("INT32"), wrongDeclaration.getMessage());
    }

    @Test
    void defaultModelFilenameCannotNameASavedModelOutsideTheModelFolder() {
        String elsewhere = MODELS.toAbsolutePath().resolve("tf_affine/1/model.savedmodel").toString();
        for (String name : List.of(elsewhere, "../../tf_affine/1/model.savedmodel", "../../tf_missing/1/x")) {
            GantryException refused = assertThrows(GantryException.class, () -> backend.complete(context(
                    "tf_signature", bare("tf_signature", Map.of("default_model_filename", name)))), name);
            assertEquals(ErrorKind.INVALID_ARGUMENT, refused.kind());
            assertEquals("model 'tf_signature': parameter 'default_model_filename' must name a file inside the"
                    + " model's folder, not '" + name + "'", refused.getMessage());
        }
        try (LoadedModel model = load("tf_affine", bare("tf_affine", Map.of("default_model_filename",
                "./model.savedmodel")))) {
            assertTrue(model.footprintBytes() > 0);
        }
    }

    @Test
    void unloadingGivesTheMemoryBack() throws IOException {
        for (int i = 0; i < 5; i++) { // warm the allocator and TensorFlow's own caches
            cycle();
        }
        long before = residentBytes();
        for (int i = 0; i < 30; i++) {
            cycle();
        }
        long grown = residentBytes() - before;
        assertTrue(grown < 48L << 20, "30 load/infer/unload cycles kept " + (grown >> 20) + " MiB");
    }

    private static void cycle() {
        try (LoadedModel model = load("tf_affine", bare("tf_affine", Map.of()))) {
            model.infer(InferenceRequest.of(List.of(fp32("x", new long[] { 1, 4 }, 1, 2, 3, 4))));
        }
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
