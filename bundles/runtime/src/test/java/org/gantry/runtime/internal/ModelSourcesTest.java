package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.gantry.test.support.Await;
import org.gantry.test.support.Traffic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Models from elsewhere than the repository: load overrides (config and files) and models added from a folder. */
class ModelSourcesTest {

    private static final String SCALE_CONFIG_JSON = """
            {"name": "%s", "platform": "test_platform",
             "input": [{"name": "INPUT__0", "data_type": "TYPE_FP32", "dims": [-1]}],
             "output": [{"name": "OUTPUT__0", "data_type": "TYPE_FP32", "dims": [-1]}],
             "parameters": {"factor": {"string_value": "%s"}}}""";

    @RegisterExtension
    final ScalingRuntime runtime = ScalingRuntime.roomy();
    private final ScalingBackend backend = runtime.backend;

    private float[] infer(String model, float value) {
        return floats(runtime.manager.infer(model, null, InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 },
                value)))).outputs().get(0));
    }

    @Test
    void aConfigOverrideStaysInForceThroughAPlainLoadUntilTheModelIsUnloaded() {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        assertArrayEquals(new float[] { 2 }, infer("scale", 2));

        runtime.manager.load("scale", new ModelOverride(SCALE_CONFIG_JSON.formatted("scale", "10"), null));

        assertArrayEquals(new float[] { 20 }, infer("scale", 2));
        assertEquals("10", runtime.manager.config("scale", null).parameters().get("factor"));
        runtime.manager.load("scale", null); // Triton keeps the override for loads without a config
        assertArrayEquals(new float[] { 20 }, infer("scale", 2));
        runtime.manager.unload("scale");
        runtime.manager.load("scale", null);
        assertArrayEquals(new float[] { 2 }, infer("scale", 2));
    }

    @Test
    void aReloadThatFailsFailsItsOwnRequestAndTheServingVersionAnswersOn() {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        runtime.manager.load("scale", new ModelOverride(SCALE_CONFIG_JSON.formatted("scale", "10"), null));
        int loads = backend.loads.get();

        GantryException unknownPlatform = assertThrows(GantryException.class, () -> runtime.manager.load("scale",
                new ModelOverride(SCALE_CONFIG_JSON.formatted("scale", "3").replace("test_platform", "no_such"),
                        null)));
        GantryException noPlatform = assertThrows(GantryException.class, () -> runtime.manager.load("scale",
                new ModelOverride(SCALE_CONFIG_JSON.formatted("scale", "3").replace("\"platform\": \"test_platform\",",
                        ""), null)));
        backend.failWith = "the new weights are corrupt";
        GantryException corrupt = assertThrows(GantryException.class, () -> runtime.manager.load("scale",
                new ModelOverride(SCALE_CONFIG_JSON.formatted("scale", "3"), null)));
        backend.failWith = null;

        assertEquals(ErrorKind.UNAVAILABLE, unknownPlatform.kind());
        assertTrue(unknownPlatform.getMessage().contains("no backend for platform 'no_such'"),
                unknownPlatform.getMessage());
        assertEquals(ErrorKind.INVALID_ARGUMENT, noPlatform.kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT, corrupt.kind());
        assertTrue(corrupt.getMessage().contains("corrupt"), corrupt.getMessage());
        assertArrayEquals(new float[] { 20 }, infer("scale", 2), "the serving version answers on, unchanged");
        assertEquals(List.of(ModelState.READY), runtime.manager.index().stream().filter(s -> s.name().equals("scale"))
                .map(ModelStatus::state).toList());
        assertEquals(loads + 1, backend.loads.get(), "only the corrupt generation reached the backend");
        assertEquals(1, backend.open.get(), "nothing of a failed generation stays open");
        runtime.manager.load("scale", null);
        assertArrayEquals(new float[] { 20 }, infer("scale", 2), "a failed override is not kept");
    }

    @Test
    void aReloadTakesOverWithoutAGapWhileClientsInferAndKeepsTheStatistics() throws Exception {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        ExecutorService clients = Executors.newSingleThreadExecutor(); // the reload, beside the traffic
        try {
            assertArrayEquals(new float[] { 2 }, infer("scale", 2));
            Traffic<Float> traffic = Traffic.start(3, () -> infer("scale", 2)[0]); // a failed request fails the test
            backend.loadGate = new CountDownLatch(1); // the new generation takes its time to load
            Future<?> reload = clients.submit(() -> runtime.manager.load("scale",
                    new ModelOverride(SCALE_CONFIG_JSON.formatted("scale", "10"), null)));
            Await.awaitTrue(() -> backend.loads.get() == 2);
            assertArrayEquals(new float[] { 2 }, infer("scale", 2), "the old generation serves while the new loads");

            backend.loadGate.countDown();
            reload.get();
            assertArrayEquals(new float[] { 20 }, infer("scale", 2));

            long answered = 3;
            for (List<Float> answers : traffic.stop()) {
                answered += answers.size();
                assertEquals(answers.stream().sorted().toList(), answers, "never back to the old generation");
                assertTrue(answers.stream().allMatch(a -> a == 2f || a == 20f), answers.toString());
            }
            assertEquals(answered, runtime.manager.statistics("scale", "1").get(0).inferenceCount(),
                    "statistics count across generations, as Triton keeps them across reloads");
            Await.awaitTrue(() -> backend.closes.get() == 1);
        } finally {
            backend.loadGate.countDown();
            clients.shutdownNow();
        }
    }

    @Test
    void aLoadOfALoadedModelLoadsItAgainOnlyWhenItsFilesChanged() throws Exception {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        runtime.manager.load("scale");
        runtime.manager.load("scale");
        assertEquals(1, backend.loads.get(), "unchanged: nothing to do");

        Files.write(runtime.repository.models.get("scale").directory().resolve("1/model.bin"), new byte[200]);
        runtime.manager.load("scale");

        assertEquals(2, backend.loads.get());
        assertEquals(1, backend.closes.get(), "the old generation was unloaded");
        assertArrayEquals(new float[] { 2 }, infer("scale", 2));
        runtime.manager.load("scale");
        assertEquals(2, backend.loads.get());
    }

    @Test
    void anUnloadAfterAFailedOverrideLetsTheNextRequestLoadAgainAtOnce(@TempDir Path models) {
        MemoryRepository slowRetry = new MemoryRepository(models);
        ModelManager patient = new ModelManager(slowRetry, MemoryManagerImpl.forHost(1L << 30, null),
                TestModels.config(3600));
        ScalingBackend failing = new ScalingBackend();
        patient.addBackend(failing);
        try {
            slowRetry.add(scaleConfig("scale", 0, null), 1L);
            failing.failWith = "the override's weights are broken";
            assertThrows(GantryException.class,
                    () -> patient.load("scale", new ModelOverride(SCALE_CONFIG_JSON.formatted("scale", "10"), null)));
            failing.failWith = null;

            patient.unload("scale");

            assertArrayEquals(new float[] { 2 }, floats(patient.infer("scale", null, InferenceRequest.of(
                    List.of(fp32("INPUT__0", new long[] { 1 }, 2f)))).outputs().get(0)));
        } finally {
            patient.deactivate();
        }
    }

    @Test
    void filesGivenWithALoadServeANewModelAndAreDeletedOnUnload() {
        byte[] weights = "weights".getBytes(StandardCharsets.UTF_8);
        runtime.manager.load("fresh", new ModelOverride(SCALE_CONFIG_JSON.formatted("fresh", "3"),
                Map.of("1/model.bin", weights)));

        assertArrayEquals(new float[] { 6 }, infer("fresh", 2));
        Path staged = backend.lastModelDirectory;
        assertTrue(Files.isRegularFile(staged.resolve("1/model.bin")));
        assertTrue(runtime.manager.index().stream()
                .anyMatch(s -> s.name().equals("fresh") && s.state() == ModelState.READY));

        runtime.manager.unload("fresh");

        assertFalse(Files.exists(staged));
        GantryException gone = assertThrows(GantryException.class, () -> infer("fresh", 2));
        assertEquals(ErrorKind.NOT_FOUND, gone.kind());
    }

    @Test
    void aNewConfigurationForAModelLoadedFromFilesKeepsItsFilesWhetherItLoadsOrNot() {
        runtime.manager.load("fresh", new ModelOverride(SCALE_CONFIG_JSON.formatted("fresh", "3"),
                Map.of("1/model.bin", new byte[8])));
        Path staged = backend.lastModelDirectory;

        assertThrows(GantryException.class, () -> runtime.manager.load("fresh", new ModelOverride(
                SCALE_CONFIG_JSON.formatted("fresh", "5").replace("test_platform", "no_such"), null)));
        runtime.manager.load("fresh", new ModelOverride(SCALE_CONFIG_JSON.formatted("fresh", "5"), null));

        assertArrayEquals(new float[] { 10 }, infer("fresh", 2));
        assertEquals(staged, backend.lastModelDirectory);
        assertTrue(Files.isRegularFile(staged.resolve("1/model.bin")));
        runtime.manager.unload("fresh");
        assertFalse(Files.exists(staged));
    }

    @Test
    void overridesThatWouldWriteOutsideTheModelFolderAreRefused() {
        for (String path : List.of("../escape/model.bin", "/etc/passwd", "1/../../x", "", "a\\b")) {
            GantryException e = assertThrows(GantryException.class, () -> runtime.manager.load("evil",
                    new ModelOverride(SCALE_CONFIG_JSON.formatted("evil", "1"), Map.of(path, new byte[1]))));
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), path);
        }
        GantryException noConfig = assertThrows(GantryException.class,
                () -> runtime.manager.load("evil", new ModelOverride(null, Map.of("1/model.bin", new byte[1]))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, noConfig.kind());
        GantryException badJson = assertThrows(GantryException.class,
                () -> runtime.manager.load("evil",
                        new ModelOverride("{\"max_batch_size\": \"many\"}", Map.of("1/m", new byte[1]))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, badJson.kind());
        assertTrue(badJson.getMessage().contains("config"), badJson.getMessage());
    }

    @Test
    void aModelAddedFromAFolderServesUnderItsNewNameUntilRemoved(@TempDir Path elsewhere) throws Exception {
        Path model = elsewhere.resolve("model").resolve("any-folder-name");
        Files.createDirectories(model.resolve("1"));
        Files.write(model.resolve("1/model.bin"), new byte[10]);
        Files.writeString(model.resolve("config.pbtxt"), """
                name: "any-folder-name"
                platform: "test_platform"
                input { name: "INPUT__0" data_type: TYPE_FP32 dims: [ -1 ] }
                output { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ -1 ] }
                parameters { key: "factor" value: { string_value: "5" } }
                """);

        runtime.manager.add("customer-7", elsewhere.resolve("model"));

        assertArrayEquals(new float[] { 10 }, infer("customer-7", 2));
        assertEquals(Map.of("customer-7", model), runtime.manager.addedModels());
        GantryException again = assertThrows(GantryException.class, () -> runtime.manager.add("customer-7", model));
        assertEquals(ErrorKind.CONFLICT, again.kind());

        runtime.manager.remove("customer-7");

        assertTrue(runtime.manager.addedModels().isEmpty());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(GantryException.class, () -> infer("customer-7", 2)).kind());
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> runtime.manager.remove("customer-7")).kind());
    }

    /** A step model's folder: the scaling model with a factor of its own. */
    private static void writeStep(Path folder, String factor) throws Exception {
        Files.createDirectories(folder.resolve("1"));
        Files.write(folder.resolve("1/model.bin"), new byte[10]);
        Files.writeString(folder.resolve("config.pbtxt"), """
                platform: "test_platform"
                input { name: "INPUT__0" data_type: TYPE_FP32 dims: [ -1 ] }
                output { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ -1 ] }
                parameters { key: "factor" value: { string_value: "%s" } }
                """.formatted(factor));
    }

    /** The downloaded folder of a SageMaker model: an ensemble running step 'double', and its two step models. */
    private static Path ensembleFolder(Path downloads) throws Exception {
        Path model = downloads.resolve("model");
        Files.createDirectories(model.resolve("chain/1"));
        Files.writeString(model.resolve("chain/config.pbtxt"), """
                name: "chain"
                platform: "ensemble"
                input { name: "INPUT__0" data_type: TYPE_FP32 dims: [ -1 ] }
                output { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ -1 ] }
                ensemble_scheduling { step [ { model_name: "double" model_version: -1
                    input_map { key: "INPUT__0" value: "INPUT__0" } output_map { key: "OUTPUT__0" value: "OUTPUT__0" } } ] }
                """);
        writeStep(model.resolve("double"), "2");
        writeStep(model.resolve("triple"), "3");
        return model;
    }

    /** Runs an ensemble's first step on the server, which is all these tests need of Triton's ensemble platform. */
    private static final class FirstStepBackend implements org.gantry.api.backend.Backend {
        @Override
        public String name() {
            return "ensemble";
        }

        @Override
        public java.util.Set<String> platforms() {
            return java.util.Set.of("ensemble");
        }

        @Override
        public org.gantry.api.backend.LoadedModel load(org.gantry.api.backend.ModelLoadContext context) {
            String step = context.config().ensembleSteps().get(0).modelName();
            return new org.gantry.api.backend.LoadedModel() {
                @Override
                public List<org.gantry.api.tensor.Tensor> infer(InferenceRequest request) {
                    return context.invoker().infer(step, null, request).outputs();
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void aFolderOfAnEnsembleAndItsStepsAddsTheEnsembleWithItsStepsAndRemovesThemTogether(@TempDir Path downloads)
            throws Exception {
        runtime.manager.addBackend(new FirstStepBackend());
        Path folder = ensembleFolder(downloads);

        runtime.manager.add("customer-9", folder);

        assertArrayEquals(new float[] { 4 }, infer("customer-9", 2));
        assertEquals(Map.of("customer-9", folder.resolve("chain")), runtime.manager.addedModels(),
                "only what was added");
        assertTrue(runtime.manager.isModelReady("double", null) && runtime.manager.isModelReady("triple", null),
                "the steps loaded with it, as Triton's SageMaker front end loads them");
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> runtime.manager.remove("double")).kind());

        runtime.manager.remove("customer-9");

        assertTrue(runtime.manager.addedModels().isEmpty());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(GantryException.class, () -> infer("double", 2)).kind());
        assertEquals(0, backend.open.get());
    }

    @Test
    void anEnsembleFolderWhoseStepNameIsTakenAddsNothing(@TempDir Path downloads) throws Exception {
        runtime.manager.addBackend(new FirstStepBackend());
        runtime.repository.add(scaleConfig("triple", 0, null), 1L);

        GantryException taken = assertThrows(GantryException.class, () -> runtime.manager.add("customer-9",
                ensembleFolder(downloads)));

        assertEquals(ErrorKind.CONFLICT, taken.kind());
        assertTrue(taken.getMessage().contains("'triple', a step of ensemble 'customer-9'"), taken.getMessage());
        assertTrue(runtime.manager.addedModels().isEmpty());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(GantryException.class, () -> infer("double", 2)).kind());
    }

    @Test
    void addingRefusesRepositoryNamesAndFoldersWithoutAModel(@TempDir Path empty) {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        assertEquals(ErrorKind.CONFLICT,
                assertThrows(GantryException.class, () -> runtime.manager.add("scale", empty)).kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                assertThrows(GantryException.class, () -> runtime.manager.add("nothing", empty)).kind());
        assertTrue(runtime.manager.addedModels().isEmpty());
    }
}
