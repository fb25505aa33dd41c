package org.gantry.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TrafficWindowTest {

    @Test
    void rateAndMeanLatencyCoverTheLastMinute() {
        TrafficWindow window = new TrafficWindow();
        for (int i = 0; i < 120; i++) {
            window.record(10_000_000 + i * 250L, 2_000_000); // 4 per second for 30 s, 2 ms each
        }

        assertEquals(2.0, window.perSecond(10_030_000), 1e-9);
        assertEquals(2.0, window.meanMillis(10_030_000), 1e-9);
    }

    @Test
    void requestsOlderThanAMinuteNoLongerCount() {
        TrafficWindow window = new TrafficWindow();
        window.record(1_000_000, 9_000_000);
        window.record(1_050_000, 1_000_000);

        assertEquals(1.0 / 60, window.perSecond(1_070_000), 1e-9);
        assertEquals(1.0, window.meanMillis(1_070_000), 1e-9);
        assertEquals(0, window.perSecond(1_200_000));
        assertEquals(0, window.meanMillis(1_200_000));
    }
}
