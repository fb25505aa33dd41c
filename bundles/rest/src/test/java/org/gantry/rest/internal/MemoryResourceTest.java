package org.gantry.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.test.support.ReportingMemory;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class MemoryResourceTest {

    /** A memory manager that only reports: a host, and a GPU with an eviction under way and a load waiting. */
    private static final MemoryManager MEMORY = new ReportingMemory(new MemoryReport(List.of(
            new MemoryReport.DeviceMemory("cpu", Device.CPU, 4000, 1000, 250, List.of(
                    new MemoryReport.LeaseInfo("parked", 1, 250, false, 0, "HOST_TIER"))),
            new MemoryReport.DeviceMemory("cuda:0", Device.gpu(0), 10_000, 7_700, 3_000, List.of(
                    new MemoryReport.LeaseInfo("old", 1, 2_000, false, 0, "UNLOADING")), 2_000, 2_300, 1)),
            3, new MemoryReport.HostTier(600, 250, 1, 4, 3, 5, 2, 50_000_000, 900_000_000)));

    /** The view as its clients read it: the JSON Jackson writes from the resource's answer. */
    private static JsonNode report() {
        return new ObjectMapper().valueToTree(new MemoryResource(MEMORY, null).report());
    }

    @Test
    void theMemoryViewShowsWhatIsBeingFreedWhatAGpuHoldsBeyondItsLeasesAndWaitingLoads() {
        JsonNode report = report();

        JsonNode host = report.get("devices").get(0);
        assertEquals(0L, host.get("freeing_bytes").longValue());
        assertFalse(host.has("unleased_bytes"), "not measured on the host");
        JsonNode gpu = report.get("devices").get(1);
        assertEquals("gpu", gpu.get("kind").textValue());
        assertEquals(7_700L, gpu.get("budget_bytes").longValue());
        assertEquals(3_000L, gpu.get("used_bytes").longValue());
        assertEquals(2_000L, gpu.get("freeing_bytes").longValue());
        assertEquals(2_300L, gpu.get("unleased_bytes").longValue());
        assertEquals(1, gpu.get("waiting_reservations").intValue());
        assertEquals("UNLOADING", gpu.get("models").get(0).get("state").textValue());
        assertEquals("1", gpu.get("models").get(0).get("version").textValue());
        assertEquals(3L, report.get("evictions").longValue());
    }

    @Test
    void theMemoryViewSaysWhichModelsWaitInTheHostTierAndHowReloadsWentByTier() {
        JsonNode report = report();
        JsonNode host = report.get("devices").get(0);
        assertEquals("HOST_TIER", host.get("models").get(0).get("state").textValue());
        JsonNode tier = report.get("host_tier");
        assertEquals(600L, tier.get("budget_bytes").longValue());
        assertEquals(250L, tier.get("used_bytes").longValue());
        assertEquals(1, tier.get("models").intValue());
        assertEquals(5L, tier.get("hits").longValue());
        assertEquals(2L, tier.get("misses").longValue());
        assertEquals(3L, tier.get("dropped").longValue());
        assertEquals(50.0, tier.get("hit_reload_ms").doubleValue());
        assertEquals(900.0, tier.get("miss_reload_ms").doubleValue());
    }
}
