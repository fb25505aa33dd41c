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

    @Test
    void aMissingStepModelIsNamed() {
        String message = rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("INPUT", "X"), Map.of("OUTPUT", "T")),
                step("no_such_model", Map.of("INPUT", "T"), Map.of("OUTPUT", "Y"))));
        assertTrue(message.startsWith("ensemble 'e': step 2 (model 'no_such_model'): model 'no_such_model' cannot be"
                + " served: unknown model 'no_such_model'"), message);
    }

    @Test
    void aCycleIsNamedWithItsSteps() {
        String message = rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y")),
                step("scale2", Map.of("INPUT", "T2"), Map.of("OUTPUT", "T1")),
                step("negate", Map.of("INPUT", "T1"), Map.of("OUTPUT", "T2"))));
        assertTrue(message.contains("its steps form a cycle (each waits for another's output): step 2 (model"
                + " 'scale2'), step 3 (model 'negate')"), message);
    }

    @Test
    void aTensorMappedTwiceIsNamed() {
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y")),
                step("negate", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y"))))
                .contains("tensor 'Y' is mapped twice: as an output of step 1 (model 'scale2') and of step 2 (model"
                        + " 'negate')"));
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y")),
                step("negate", Map.of("INPUT", "Y"), Map.of("OUTPUT", "X"))))
                .contains("tensor 'X' is mapped twice: it is an ensemble input and an output of step 2"));
    }

    @Test
    void aProcessorOrBackendThatDoesNotExistIsNamed() {
        String message = rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("tokenize", Map.of("TEXT", "X"), Map.of("input_ids", "Y"))));
        assertTrue(message.contains("step 1 (model 'tokenize'): model 'tokenize' cannot be served: no backend or"
                + " processor named 'huggingface_tokenizr'"), message);
    }

    @Test
    void tensorsThatNothingProducesOrThatModelsLackAreNamed() {
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("INPUT", "NOWHERE"), Map.of("OUTPUT", "Y"))))
                .contains("step 1 (model 'scale2') reads tensor 'NOWHERE' into its input 'INPUT', but no step produces"
                        + " it"));
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y", "Z"), Map.of(),
                step("scale2", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y"))))
                .contains("its output 'Z' is produced by no step"));
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("IN", "X"), Map.of("OUTPUT", "Y"))))
                .contains("model 'scale2' has no input 'IN' (its inputs: [INPUT])"));
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("INPUT", "X"), Map.of("OUT", "Y"))))
                .contains("model 'scale2' has no output 'OUT' (its outputs: [OUTPUT])"));
    }

    @Test
    void datatypesMustAgreeAlongTheGraph() {
        // tokens gives INT64, scale2 takes FP32; the consumer comes first in the configuration.
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("scale2", Map.of("INPUT", "T"), Map.of("OUTPUT", "Y")),
                step("tokens", Map.of("INPUT", "X"), Map.of("OUTPUT", "T"))))
                .contains("input 'INPUT' of model 'scale2' is FP32 but tensor 'T' is INT64"));
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("tokens", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y"))))
                .contains("output 'Y' is declared FP32 but step 1 (model 'tokens') produces INT64"));
    }

    @Test
    void requestChosenStepsAreCheckedForEveryChoice() {
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of(),
                step("${transform}", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y"))))
                .contains("needs the ensemble parameter 'transform' listing its choices"));
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of("transform", "a=scale2, b=gone"),
                step("${transform}", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y"))))
                .contains("step 1 (model '${transform}') choice 'gone': model 'gone' cannot be served"));
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of("transform", "a=scale2",
                "transform.default", "c"), step("${transform}", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y"))))
                .contains("parameter 'transform.default' names choice 'c', which 'transform' does not list"));
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of("transform", "scale2"),
                step("${transform}", Map.of("INPUT", "X"), Map.of("OUTPUT", "Y"))))
                .contains("must list choices as 'choice=model, ...'"));
    }

    @Test
    void anEnsembleThatContainsItselfIsRefused() {
        ModelConfig inner = ensemble("inner", List.of("X"), List.of("Y"), Map.of(),
                step("outer", Map.of("X", "X"), Map.of("Y", "Y")));
        server.add(inner, request -> List.of());
        String message = rejection(ensemble("outer", List.of("X"), List.of("Y"), Map.of(),
                step("inner", Map.of("X", "X"), Map.of("Y", "Y"))));
        assertTrue(message.contains("the ensemble contains itself: outer → inner → outer"), message);
        assertTrue(rejection(ensemble("self", List.of("X"), List.of("Y"), Map.of(),
                step("self", Map.of("X", "X"), Map.of("Y", "Y")))).contains("runs the ensemble itself"));
    }

    @Test
    void ensemblesWithoutStepsOrTensorsAreRefused() {
        assertTrue(rejection(ensemble("e", List.of("X"), List.of("Y"), Map.of())).contains("has no"
                + " ensemble_scheduling steps"));
        assertTrue(rejection(ensemble("e", List.of(), List.of("Y"), Map.of(),
                step("scale2", Map.of(), Map.of("OUTPUT", "Y")))).contains("must declare its inputs and outputs"));
    }
}
