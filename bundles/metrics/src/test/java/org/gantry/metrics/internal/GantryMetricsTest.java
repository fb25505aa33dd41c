package org.gantry.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.memory.ParkRequest;
import org.gantry.api.memory.Residence;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.test.support.ReportingMemory;
import org.junit.jupiter.api.Test;

class GantryMetricsTest {

    /** Each line is in the scrape, word for word. */
    private static void assertExposes(String text, String... lines) {
        for (String line : lines) {
            assertTrue(text.contains(line), line + " in:\n" + text);
        }
    }

    private static String scrape(GantryMetrics metrics) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void exposesDevicesModelsAndInferencesInPrometheusText() throws IOException {
        MemoryManagerImpl memory = MemoryManagerImpl.forHost(1000, null);
        memory.reserve(new LeaseRequest("m", 1, List.of(Device.CPU), 250, false, reason -> false)).commit(250, null);
        GantryMetrics metrics = new GantryMetrics(memory);
        metrics.modelLoaded("m", 1, 2_000_000, true);
        metrics.modelLoaded("m", 1, 2_000_000, false);
        metrics.modelUnloaded("m", 1, true);
        metrics.modelLoadFailed("broken", 1);
        metrics.inferenceCompleted("m", 1, 300_000, true);
        metrics.inferenceCompleted("m", 1, 300_000, false);

        String text = scrape(metrics);
        assertExposes(text,
                "gantry_device_budget_bytes{device=\"cpu\"} 1000.0",
                "gantry_device_used_bytes{device=\"cpu\"} 250.0",
                "gantry_device_models{device=\"cpu\"} 1.0",
                "gantry_model_loads_total{model=\"m\",version=\"1\"} 2.0",
                "gantry_model_cold_starts_total{model=\"m\"} 1.0",
                "gantry_model_evictions_total{model=\"m\"} 1.0",
                "gantry_model_load_failures_total{model=\"broken\",version=\"1\"} 1.0",
                "gantry_inference_requests_total{model=\"m\",status=\"failure\",version=\"1\"} 1.0",
                "gantry_inference_duration_seconds_count{model=\"m\"} 2",
                "gantry_model_load_duration_seconds_sum{model=\"m\"} 0.004",
                "# TYPE gantry_invocations_per_second gauge");
    }

    @Test
    void exposesWhereEachModelIsTheHostTierAndReloadsByTier() throws IOException {
        MemoryManagerImpl memory = MemoryManagerImpl.withSimulatedGpus(1000, List.of(400L), 600);
        memory.reserve(new LeaseRequest("on-gpu", 1, List.of(Device.gpu(0)), 300, false, reason -> false))
                .commit(300, null);
        memory.reserve(new LeaseRequest("on-host", 1, List.of(Device.CPU), 100, false, reason -> false))
                .commit(100, null);
        assertTrue(memory.park(new ParkRequest("parked", 2, "parked-artifact", Device.gpu(0), 250, reason -> false))
                .isPresent());
        memory.reloaded(Residence.HOST_TIER, 2_000_000);
        memory.reloaded(Residence.DISK, 300_000_000);

        String text = scrape(new GantryMetrics(memory));
        assertExposes(text,
                "gantry_model_tier{model=\"on-gpu\",tier=\"cuda:0\",version=\"1\"} 1.0",
                "gantry_model_tier{model=\"on-host\",tier=\"cpu\",version=\"1\"} 1.0",
                "gantry_model_tier{model=\"parked\",tier=\"host_tier\",version=\"2\"} 1.0",
                "gantry_host_tier_budget_bytes 600.0",
                "gantry_host_tier_used_bytes 250.0",
                "gantry_host_tier_models 1.0",
                "gantry_tier_reload_seconds_count{from=\"host_tier\"} 1",
                "gantry_tier_reload_seconds_sum{from=\"host_tier\"} 0.002",
                "gantry_tier_reload_seconds_count{from=\"disk\"} 1",
                "gantry_tier_reload_seconds_sum{from=\"disk\"} 0.3");
    }

    @Test
    void exposesWhatIsBeingFreedWhatAGpuHoldsBeyondItsLeasesAndWaitingLoads() throws IOException {
        MemoryManager memory = new ReportingMemory(new MemoryReport(List.of(
                new MemoryReport.DeviceMemory("cpu", Device.CPU, 4000, 1000, 250, List.of()),
                new MemoryReport.DeviceMemory("cuda:0", Device.gpu(0), 10_000, 7_700, 3_000, List.of(),
                        2_000, 2_300, 1)),
                0));

        String text = scrape(new GantryMetrics(memory));
        assertExposes(text,
                "gantry_device_freeing_bytes{device=\"cuda:0\"} 2000.0",
                "gantry_device_unleased_bytes{device=\"cuda:0\"} 2300.0");
        assertTrue(!text.contains("gantry_device_unleased_bytes{device=\"cpu\"}"), "not measured on the host");
        assertExposes(text,
                "gantry_device_waiting_reservations{device=\"cuda:0\"} 1.0",
                "gantry_device_budget_bytes{device=\"cuda:0\"} 7700.0");
    }

    @Test
    void invocationRateAveragesTheLastMinute() {
        InvocationRate rate = new InvocationRate(60);
        for (int i = 0; i < 120; i++) {
            rate.record(1000);
        }
        rate.record(1001);
        rate.record(1059);
        assertEquals(0, rate.perSecond(1000), 1e-9, "the current second is not complete");
        assertEquals(2.0, rate.perSecond(1001), 1e-9);
        assertEquals(122 / 60.0, rate.perSecond(1060), 1e-9);
        assertEquals(2 / 60.0, rate.perSecond(1061), 1e-9, "second 1000 left the window");
        rate.record(1060); // reuses second 1000's slot
        assertEquals(3 / 60.0, rate.perSecond(1061), 1e-9);
    }
}
