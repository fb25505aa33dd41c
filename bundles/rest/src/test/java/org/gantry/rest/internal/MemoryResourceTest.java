package org.gantry.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.test.support.ReportingMemory;
import org.junit.jupiter.api.Test;

class MemoryResourceTest {

    /** A memory manager that only reports: a host, and a GPU with an eviction under way and a load waiting. */
    private static final MemoryManager MEMORY = new ReportingMemory(new MemoryReport(List.of(
            new MemoryReport.DeviceMemory("cpu", Device.CPU, 4000, 1000, 250, List.of(
                    new MemoryReport.LeaseInfo("parked", 1, 250, false, 0, "HOST_TIER"))),
            new MemoryReport.DeviceMemory("cuda:0", Device.gpu(0), 10_000, 7_700, 3_000, List.of(
                    new MemoryReport.LeaseInfo("old", 1, 2_000, false, 0, "UNLOADING")), 2_000, 2_300, 1)),
            3, new MemoryReport.HostTier(600, 250, 1, 4, 3, 5, 2, 50_000_000, 900_000_000)));

    @Test
    @SuppressWarnings("unchecked")
    void theMemoryViewShowsWhatIsBeingFreedWhatAGpuHoldsBeyondItsLeasesAndWaitingLoads() {
        Map<String, Object> report = new MemoryResource(MEMORY, null).report();
        List<Map<String, Object>> devices = (List<Map<String, Object>>) report.get("devices");

        Map<String, Object> host = devices.get(0);
        assertEquals(0L, host.get("freeing_bytes"));
        assertFalse(host.containsKey("unleased_bytes"), "not measured on the host");
        Map<String, Object> gpu = devices.get(1);
        assertEquals(7_700L, gpu.get("budget_bytes"));
        assertEquals(3_000L, gpu.get("used_bytes"));
        assertEquals(2_000L, gpu.get("freeing_bytes"));
        assertEquals(2_300L, gpu.get("unleased_bytes"));
        assertEquals(1, gpu.get("waiting_reservations"));
        assertEquals("UNLOADING", ((List<Map<String, Object>>) gpu.get("models")).get(0).get("state"));
        assertEquals(3L, report.get("evictions"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theMemoryViewSaysWhichModelsWaitInTheHostTierAndHowReloadsWentByTier() {
        Map<String, Object> report = new MemoryResource(MEMORY, null).report();
        Map<String, Object> host = ((List<Map<String, Object>>) report.get("devices")).get(0);
        assertEquals("HOST_TIER", ((List<Map<String, Object>>) host.get("models")).get(0).get("state"));
        Map<String, Object> tier = (Map<String, Object>) report.get("host_tier");
        assertEquals(600L, tier.get("budget_bytes"));
        assertEquals(250L, tier.get("used_bytes"));
        assertEquals(1, tier.get("models"));
        assertEquals(5L, tier.get("hits"));
        assertEquals(2L, tier.get("misses"));
        assertEquals(3L, tier.get("dropped"));
        assertEquals(50.0, tier.get("hit_reload_ms"));
        assertEquals(900.0, tier.get("miss_reload_ms"));
    }
}
