package org.gantry.protocol.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.CaptureStatistics.CaptureReport;
import org.gantry.api.traffic.ShadowReport;
import org.gantry.api.traffic.Tolerance;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;
import org.junit.jupiter.api.Test;

class SafeUpdateSummaryTest {

    private static final TrafficReport CANARIED = new TrafficReport("canaried", "1", "2", 10, "canary",
            Map.of("1", 90L, "2", 10L), null);
    private static final TrafficReport SHADOWED = new TrafficReport("shadowed", null, null, 0, "none", Map.of(),
            new ShadowReport("shadowed", "2", 100, 4, 4, 1, 0, 0,
                    List.of(new ShadowReport.OutputAgreement("y", 4, 3, Double.POSITIVE_INFINITY, 3)),
                    Tolerance.DEFAULT));

    private static final TrafficControl TRAFFIC = new TrafficControl() {
        @Override
        public TrafficReport promote(String model) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TrafficReport rollback(String model) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<TrafficReport> report(String model) {
            return reports().stream().filter(r -> r.model().equals(model)).findFirst();
        }

        @Override
        public List<TrafficReport> reports() {
            return List.of(SHADOWED, CANARIED);
        }
    };

    private static final CaptureStatistics CAPTURE = () -> List.of(new CaptureReport("canaried", 5, 4, 1, 900),
            new CaptureReport("captured", 2, 2, 0, 300));

    @Test
    void everyModelWithACanaryShadowOrCaptureIsListedOnceByName() {
        List<Map<String, Object>> all = SafeUpdateSummary.all(TRAFFIC, CAPTURE);
        assertEquals(List.of("canaried", "captured", "shadowed"), all.stream().map(m -> m.get("model")).toList());
        assertEquals(Map.of("sampled", 5L, "written", 4L, "dropped", 1L, "bytes_written", 900L),
                all.get(0).get("capture"), "the capture counts join the model's canary");
        assertTrue(all.get(0).containsKey("canary"));
        assertEquals(all, List.of(SafeUpdateSummary.of("canaried", TRAFFIC, CAPTURE).orElseThrow(),
                SafeUpdateSummary.of("captured", TRAFFIC, CAPTURE).orElseThrow(),
                SafeUpdateSummary.of("shadowed", TRAFFIC, CAPTURE).orElseThrow()), "one model's summary is the same");
    }

    @Test
    void aShadowsComparisonCarriesItsToleranceAndJsonSafeNumbers() {
        @SuppressWarnings("unchecked")
        Map<String, Object> shadow = (Map<String, Object>) SafeUpdateSummary.of(SHADOWED).get("shadow");
        assertEquals(0.25, shadow.get("disagreement_rate"));
        assertEquals(Tolerance.DEFAULT.relative(), shadow.get("relative_tolerance"));
        @SuppressWarnings("unchecked")
        Map<String, Object> output = ((List<Map<String, Object>>) shadow.get("outputs")).get(0);
        assertEquals(0.75, output.get("agreement_rate"));
        assertTrue(output.containsKey("max_abs_difference"));
        assertEquals(null, output.get("max_abs_difference"), "JSON has no infinity: shapes differed");
    }

    @Test
    void aModelWithoutAnyHasNoSummaryAndServicesMayBeAbsent() {
        assertFalse(SafeUpdateSummary.of("plain", TRAFFIC, CAPTURE).isPresent());
        assertEquals(List.of(), SafeUpdateSummary.all(null, null));
        assertEquals("captured", SafeUpdateSummary.all(null, CAPTURE).get(1).get("model"));
    }
}
