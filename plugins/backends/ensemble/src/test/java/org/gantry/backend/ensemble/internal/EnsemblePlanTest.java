package org.gantry.backend.ensemble.internal;

import static org.gantry.backend.ensemble.internal.StepServer.ensemble;
import static org.gantry.backend.ensemble.internal.StepServer.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.EnsembleStep;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Configuration errors fail the ensemble's load with a message naming the problem. */
class EnsemblePlanTest {

    private final StepServer server = new StepServer();

    @BeforeEach
    void models() {
        server.addFloatModel("scale2", List.of("INPUT"), List.of("OUTPUT"), in -> in);
        server.addFloatModel("negate", List.of("INPUT"), List.of("OUTPUT"), in -> in);
        server.add(new ModelConfig("tokens", "pytorch_libtorch", "", 0,
                List.of(new TensorConfig("INPUT", DataType.FP32, List.of(-1L))),
                List.of(new TensorConfig("OUTPUT", DataType.INT64, List.of(-1L))), null, null, null, null),
                request -> List.of());
        server.add(new ModelConfig("tokenize", "", "huggingface_tokenizr", 0, List.of(), List.of(), null, null, null,
                null), request -> List.of());
    }

    private String rejection(ModelConfig config) {
        GantryException e = assertThrows(GantryException.class, () -> EnsemblePlan.of(config,
                server.catalog(Set.of("pytorch_libtorch", "ensemble", "mean_pooling"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        return e.getMessage();
    }

    /** An ensemble 'e' from tensor X to tensor Y through {@code steps}. */
    private static ModelConfig xToY(EnsembleStep... steps) {
        return ensemble("e", List.of("X"), List.of("Y"), Map.of(), steps);
    }

    /** A step that reads tensor {@code from} into the INPUT of {@code model} and writes its OUTPUT to {@code to}. */
    private static EnsembleStep through(String model, String from, String to) {
        return step(model, Map.of("INPUT", from), Map.of("OUTPUT", to));
    }

    /** Asserts that loading {@code config} fails with a message that contains {@code reason}. */
    private void assertRejected(ModelConfig config, String reason) {
        String message = rejection(config);
        assertTrue(message.contains(reason), message);
    }

    @Test
    void aMissingStepModelIsNamed() {
        String message = rejection(xToY(through("scale2", "X", "T"), through("no_such_model", "T", "Y")));
        assertTrue(message.startsWith("ensemble 'e': step 2 (model 'no_such_model'): model 'no_such_model' cannot be"
                + " served: unknown model 'no_such_model'"), message);
    }

    @Test
    void aCycleIsNamedWithItsSteps() {
        assertRejected(xToY(through("scale2", "X", "Y"), through("scale2", "T2", "T1"), through("negate", "T1", "T2")),
                "its steps form a cycle (each waits for another's output): step 2 (model 'scale2'), step 3 (model"
                        + " 'negate')");
    }

    @Test
    void aTensorMappedTwiceIsNamed() {
        assertRejected(xToY(through("scale2", "X", "Y"), through("negate", "X", "Y")),
                "tensor 'Y' is mapped twice: as an output of step 1 (model 'scale2') and of step 2 (model 'negate')");
        assertRejected(xToY(through("scale2", "X", "Y"), through("negate", "Y", "X")),
                "tensor 'X' is mapped twice: it is an ensemble input and an output of step 2");
    }

    @Test
    void aProcessorOrBackendThatDoesNotExistIsNamed() {
        assertRejected(xToY(step("tokenize", Map.of("TEXT", "X"), Map.of("input_ids", "Y"))),
                "step 1 (model 'tokenize'): model 'tokenize' cannot be served: no backend or processor named"
                        + " 'huggingface_tokenizr'");
    }

    @Test
    void tensorsThatNothingProducesOrThatModelsLackAreNamed() {
        assertRejected(xToY(through("scale2", "NOWHERE", "Y")),
                "step 1 (model 'scale2') reads tensor 'NOWHERE' into its input 'INPUT', but no step produces it");
        assertRejected(ensemble("e", List.of("X"), List.of("Y", "Z"), Map.of(), through("scale2", "X", "Y")),
                "its output 'Z' is produced by no step");
        assertRejected(xToY(step("scale2", Map.of("IN", "X"), Map.of("OUTPUT", "Y"))),
                "model 'scale2' has no input 'IN' (its inputs: [INPUT])");
        assertRejected(xToY(step("scale2", Map.of("INPUT", "X"), Map.of("OUT", "Y"))),
                "model 'scale2' has no output 'OUT' (its outputs: [OUTPUT])");
    }

    @Test
    void datatypesMustAgreeAlongTheGraph() {
        // tokens gives INT64, scale2 takes FP32; the consumer comes first in the configuration.
        assertRejected(xToY(through("scale2", "T", "Y"), through("tokens", "X", "T")),
                "input 'INPUT' of model 'scale2' is FP32 but tensor 'T' is INT64");
        assertRejected(xToY(through("tokens", "X", "Y")),
                "output 'Y' is declared FP32 but step 1 (model 'tokens') produces INT64");
    }

    @Test
    void requestChosenStepsAreCheckedForEveryChoice() {
        EnsembleStep chosen = through("${transform}", "X", "Y");
        assertRejected(xToY(chosen), "needs the ensemble parameter 'transform' listing its choices");
        assertRejected(ensemble("e", List.of("X"), List.of("Y"), Map.of("transform", "a=scale2, b=gone"), chosen),
                "step 1 (model '${transform}') choice 'gone': model 'gone' cannot be served");
        assertRejected(ensemble("e", List.of("X"), List.of("Y"),
                Map.of("transform", "a=scale2", "transform.default", "c"), chosen),
                "parameter 'transform.default' names choice 'c', which 'transform' does not list");
        assertRejected(ensemble("e", List.of("X"), List.of("Y"), Map.of("transform", "scale2"), chosen),
                "must list choices as 'choice=model, ...'");
    }

    @Test
    void anEnsembleThatContainsItselfIsRefused() {
        ModelConfig inner = ensemble("inner", List.of("X"), List.of("Y"), Map.of(),
                step("outer", Map.of("X", "X"), Map.of("Y", "Y")));
        server.add(inner, request -> List.of());
        assertRejected(ensemble("outer", List.of("X"), List.of("Y"), Map.of(),
                step("inner", Map.of("X", "X"), Map.of("Y", "Y"))),
                "the ensemble contains itself: outer → inner → outer");
        assertRejected(ensemble("self", List.of("X"), List.of("Y"), Map.of(),
                step("self", Map.of("X", "X"), Map.of("Y", "Y"))), "runs the ensemble itself");
    }

    @Test
    void ensemblesWithoutStepsOrTensorsAreRefused() {
        assertRejected(xToY(), "has no ensemble_scheduling steps");
        assertRejected(
                ensemble("e", List.of(), List.of("Y"), Map.of(), step("scale2", Map.of(), Map.of("OUTPUT", "Y"))),
                "must declare its inputs and outputs");
    }
}
