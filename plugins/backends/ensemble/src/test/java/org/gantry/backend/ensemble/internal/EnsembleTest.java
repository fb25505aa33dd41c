package org.gantry.backend.ensemble.internal;

import static org.gantry.backend.ensemble.internal.StepServer.ensemble;
import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.backend.ensemble.internal.StepServer.fp32;
import static org.gantry.backend.ensemble.internal.StepServer.step;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Running a checked ensemble: the DAG, renamed tensors, parallel branches, pruning, request-chosen steps. */
class EnsembleTest {

    private final StepServer server = new StepServer();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeEach
    void models() {
        server.addFloatModel("add_sub", List.of("INPUT0", "INPUT1"), List.of("OUTPUT0", "OUTPUT1"), in -> {
            float[] sum = new float[in[0].length];
            float[] difference = new float[in[0].length];
            for (int i = 0; i < sum.length; i++) {
                sum[i] = in[0][i] + in[1][i];
                difference[i] = in[0][i] - in[1][i];
            }
            return new float[][] { sum, difference };
        });
        server.addFloatModel("scale2", List.of("INPUT"), List.of("OUTPUT"), in -> new float[][] { times(in[0], 2) });
        server.addFloatModel("negate", List.of("INPUT"), List.of("OUTPUT"), in -> new float[][] { times(in[0], -1) });
    }

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private static float[] times(float[] values, float factor) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i] * factor;
        }
        return result;
    }

    /** Triton's add/sub model twice in a chain (2A, 2B) beside an independent branch (scale2: 2A). */
    private static ModelConfig chain() {
        return ensemble("chain", List.of("A", "B"), List.of("DOUBLE_A", "DOUBLE_B", "SCALED_A"), Map.of(),
                step("add_sub", Map.of("INPUT0", "A", "INPUT1", "B"), Map.of("OUTPUT0", "SUM", "OUTPUT1", "DIFF")),
                step("add_sub", Map.of("INPUT0", "SUM", "INPUT1", "DIFF"),
                        Map.of("OUTPUT0", "DOUBLE_A", "OUTPUT1", "DOUBLE_B")),
                step("scale2", Map.of("INPUT", "A"), Map.of("OUTPUT", "SCALED_A")));
    }

    private EnsembleModel load(ModelConfig config) {
        return new EnsembleModel(EnsemblePlan.of(config, server.catalog(Set.of("pytorch_libtorch", "ensemble"))),
                server, executor);
    }

    private static InferenceRequest request(Map<String, Object> parameters, List<String> outputs, Tensor... inputs) {
        return new InferenceRequest("r1", parameters, List.of(inputs),
                outputs.stream().map(RequestedOutput::named).toList());
    }

    @Test
    void aChainOfStepsGivesTheClosedFormAnswer() {
        List<Tensor> outputs = load(chain()).infer(request(Map.of(), List.of(), fp32("A", 1, 2, 3, 4),
                fp32("B", 0.5f, -1, 8, 0)));

        assertEquals(List.of("DOUBLE_A", "DOUBLE_B", "SCALED_A"), outputs.stream().map(Tensor::name).toList());
        assertArrayEquals(new float[] { 2, 4, 6, 8 }, floats(outputs.get(0)));
        assertArrayEquals(new float[] { 1, -2, 16, 0 }, floats(outputs.get(1)));
        assertArrayEquals(new float[] { 2, 4, 6, 8 }, floats(outputs.get(2)));
        assertEquals(3, server.calls.size());
        // Each step saw its own input names and asked only for the outputs its output_map uses.
        InferenceRequest second = server.requests.stream().filter(r -> r.input("INPUT0") != null
                && floats(r.input("INPUT0"))[0] == 1.5f).findFirst().orElseThrow();
        assertArrayEquals(new float[] { 0.5f, 3, -5, 4 }, floats(second.input("INPUT1")));
        assertEquals("r1", second.id());
    }

    @Test
    void onlyTheStepsThatRequestedOutputsNeedRun() {
        List<Tensor> outputs = load(chain()).infer(request(Map.of(), List.of("SCALED_A"), fp32("A", 1, 2),
                fp32("B", 3, 4)));

        assertEquals(1, outputs.size());
        assertArrayEquals(new float[] { 2, 4 }, floats(outputs.get(0)));
        assertEquals(List.of("scale2"), server.calls);
    }

    @Test
    void independentBranchesRunAtTheSameTime() throws Exception {
        CountDownLatch bothStarted = new CountDownLatch(2);
        for (String name : List.of("left", "right")) {
            server.addFloatModel(name, List.of("INPUT"), List.of("OUTPUT"), in -> {
                bothStarted.countDown();
                try { // each branch waits for the other: run one after the other, they would time out
                    assertTrue(bothStarted.await(10, TimeUnit.SECONDS), "the branches did not run in parallel");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return new float[][] { in[0] };
            });
        }
        ModelConfig branches = ensemble("branches", List.of("X"), List.of("L", "R"), Map.of(),
                step("left", Map.of("INPUT", "X"), Map.of("OUTPUT", "L")),
                step("right", Map.of("INPUT", "X"), Map.of("OUTPUT", "R")));

        List<Tensor> outputs = load(branches).infer(request(Map.of(), List.of(), fp32("X", 7)));

        assertArrayEquals(new float[] { 7 }, floats(outputs.get(1)));
        assertEquals(0, bothStarted.getCount());
    }

    private ModelConfig chooser() {
        return ensemble("chooser", List.of("X"), List.of("Y"),
                Map.of("transform", "double=scale2, flip=negate", "transform.default", "double"),
                step("${transform}", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y")));
    }

    @Test
    void aRequestParameterChoosesTheStepModel() {
        EnsembleModel model = load(chooser());

        assertArrayEquals(new float[] { 6 }, floats(model.infer(request(Map.of(), List.of(), fp32("X", 3))).get(0)));
        assertArrayEquals(new float[] { -3 }, floats(model.infer(request(Map.of("transform", "flip",
                "priority", 1), List.of(), fp32("X", 3))).get(0)));
        assertEquals(List.of("scale2", "negate"), server.calls);
        // The choice is the ensemble's; other parameters reach the step.
        assertFalse(server.requests.get(1).parameters().containsKey("transform"));
        assertEquals(1, server.requests.get(1).parameters().get("priority"));

        GantryException unknown = assertThrows(GantryException.class, () -> model.infer(request(Map.of("transform",
                "sideways"), List.of(), fp32("X", 3))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, unknown.kind());
        assertTrue(unknown.getMessage().contains("'transform' is 'sideways'; it must be one of [double, flip]"),
                unknown.getMessage());
        GantryException notText = assertThrows(GantryException.class, () -> model.infer(request(Map.of("transform",
                5), List.of(), fp32("X", 3))));
        assertTrue(notText.getMessage().contains("must be a string"), notText.getMessage());
        assertEquals(2, server.calls.size(), "a bad choice runs nothing");
    }

    @Test
    void aChoiceWithoutDefaultMustBeGiven() {
        ModelConfig noDefault = ensemble("chooser", List.of("X"), List.of("Y"), Map.of("transform",
                "double=scale2, flip=negate"), step("${transform}", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y")));
        GantryException missing = assertThrows(GantryException.class, () -> load(noDefault).infer(request(Map.of(),
                List.of(), fp32("X", 3))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, missing.kind());
        assertTrue(missing.getMessage().contains("needs the request parameter 'transform': one of [double, flip]"),
                missing.getMessage());
    }

    @Test
    void aFailingStepFailsTheRequestWithItsKindAndTheStepNamed() {
        server.addFloatModel("picky", List.of("INPUT"), List.of("OUTPUT"), in -> {
            throw GantryException.invalidArgument("input 'INPUT' of model 'picky' has shape [1] but the model"
                    + " expects [2]");
        });
        ModelConfig failing = ensemble("failing", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("INPUT", "X"), Map.of("OUTPUT", "T")),
                step("picky", Map.of("INPUT", "T"), Map.of("OUTPUT", "Y")));

        GantryException e = assertThrows(GantryException.class, () -> load(failing).infer(request(Map.of(), List.of(),
                fp32("X", 1))));

        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("ensemble 'failing' step 2 (model 'picky'): input 'INPUT'"),
                e.getMessage());
    }
}
