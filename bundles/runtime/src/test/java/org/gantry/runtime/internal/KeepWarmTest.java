package org.gantry.runtime.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Keep-warm parameters: a minimum residency that vetoes eviction, and reloading after an eviction. */
class KeepWarmTest {

    /** Room for one model of {@link #FOOTPRINT} bytes at a time. */
    private static final long BUDGET = 1_000;
    private static final long FOOTPRINT = 600;

    @RegisterExtension
    final ScalingRuntime runtime = ScalingRuntime.withHostBudget(BUDGET,
            TestModels.withLoadWait(TestModels.config(0), 1));
    private final ScalingBackend backend = runtime.backend;

    private void addModel(String name, Map<String, String> keepWarm) {
        Map<String, String> parameters = new HashMap<>(keepWarm);
        parameters.put("footprint", Long.toString(FOOTPRINT));
        parameters.put("factor", "1");
        runtime.repository.add(scaleConfig(name, 0, null, parameters), 1L);
    }

    private void infer(String model) {
        runtime.manager.infer(model, null, InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 }, 1))));
    }

    @Test
    void aRecentlyUsedModelWithAMinimumResidencyIsNotEvicted() {
        addModel("resident", Map.of(KeepWarm.MIN_RESIDENCY, "600"));
        addModel("plain", Map.of());
        addModel("newcomer", Map.of());
        infer("resident");

        // The resident model could go once its residency ends: the newcomer waits for that, up to the load wait.
        GantryException refused = assertThrows(GantryException.class, () -> infer("newcomer"));

        assertEquals(ErrorKind.UNAVAILABLE, refused.kind(), refused.getMessage());
        assertTrue(refused.getMessage().contains("waited") && refused.retryAfterSeconds().isPresent(),
                refused.getMessage());
        assertTrue(runtime.manager.isModelReady("resident", null));
        runtime.manager.unload("resident");
        infer("plain");
        infer("newcomer"); // without a residency, the plain model makes room
        assertTrue(!runtime.manager.isModelReady("plain", null) && runtime.manager.isModelReady("newcomer", null));
    }

    @Test
    void anEvictedModelWithAnIntervalIsLoadedAgain() throws Exception {
        addModel("expected", Map.of(KeepWarm.INTERVAL, "1"));
        addModel("intruder", Map.of());
        infer("expected");
        infer("intruder"); // evicts the expected model
        assertTrue(!runtime.manager.isModelReady("expected", null));
        runtime.manager.unload("intruder"); // the memory comes free

        awaitTrue(() -> runtime.manager.isModelReady("expected", null), "keep-warm did not load the model again");
    }

    @Test
    void invalidKeepWarmParametersFailTheLoad() {
        addModel("confused", Map.of(KeepWarm.INTERVAL, "soon"));
        GantryException failure = assertThrows(GantryException.class, () -> runtime.manager.load("confused"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure.kind());
        assertTrue(failure.getMessage().contains(KeepWarm.INTERVAL), failure.getMessage());
    }
}
