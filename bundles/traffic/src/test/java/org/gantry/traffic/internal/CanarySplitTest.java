package org.gantry.traffic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.traffic.Tolerance;
import org.junit.jupiter.api.Test;

class CanarySplitTest {

    private static final TrafficSettings TEN_PERCENT = new TrafficSettings("1", "2", 10, null, null, 0,
            Tolerance.DEFAULT, 0, 1);

    private static InferenceRequest keyed(String key) {
        return new InferenceRequest(null, key == null ? Map.of() : Map.of("routing_key", key), List.of(), List.of());
    }

    @Test
    void aRoutingKeyAlwaysLandsOnTheSameVersion() {
        CanarySplit split = new CanarySplit();
        for (int key = 0; key < 200; key++) {
            String first = split.route(TEN_PERCENT, keyed("customer-" + key));
            for (int again = 0; again < 5; again++) {
                assertEquals(first, split.route(TEN_PERCENT, keyed("customer-" + key)));
            }
        }
    }

    @Test
    void keysSpreadOverTheBucketsInTheCandidatesShare() {
        CanarySplit split = new CanarySplit();
        int candidate = 0;
        int keys = 100_000;
        for (int key = 0; key < keys; key++) {
            candidate += "2".equals(split.route(TEN_PERCENT, keyed("k" + key))) ? 1 : 0;
        }
        // Binomial(100000, 0.1): the standard deviation is 95; six of them either side.
        assertTrue(Math.abs(candidate - 10_000) < 570, candidate + " keys on the candidate");
    }

    @Test
    void promotionAndRollbackTakeAllTrafficUntilTheSettingsChange() {
        CanarySplit split = new CanarySplit();
        split.decide(CanarySplit.State.PROMOTED, TEN_PERCENT);
        for (int i = 0; i < 100; i++) {
            assertEquals("2", split.route(TEN_PERCENT, keyed(null)));
        }
        split.decide(CanarySplit.State.ROLLED_BACK, TEN_PERCENT);
        for (int i = 0; i < 100; i++) {
            assertEquals("1", split.route(TEN_PERCENT, keyed(null)));
        }
        TrafficSettings twenty = new TrafficSettings("1", "2", 20, null, null, 0, Tolerance.DEFAULT, 0, 1);
        assertEquals(CanarySplit.State.CANARY, split.state(twenty), "new settings start a new canary");
    }
}
