package org.gantry.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.server.LoadPhase;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.junit.jupiter.api.Test;

class StatusSnapshotTest {

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final FleetActivity activity = new FleetActivity(100, 600_000, clock::get);

    private static MemoryReport memory(MemoryReport.LeaseInfo... leases) {
        long used = List.of(leases).stream().mapToLong(MemoryReport.LeaseInfo::bytes).sum();
        return new MemoryReport(List.of(new MemoryReport.DeviceMemory("cpu", Device.CPU, 1000, 800, used,
                List.of(leases))), 4);
    }

    private static MemoryReport.LeaseInfo lease(String model, long bytes, boolean pinned) {
        return new MemoryReport.LeaseInfo(model, 1, bytes, pinned, 999_000, "RESIDENT");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> model(Map<String, Object> snapshot, String name) {
        return ((List<Map<String, Object>>) snapshot.get("models")).stream().filter(m -> m.get("name").equals(name))
                .findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> map, String key) {
        return (List<Map<String, Object>>) map.get(key);
    }

    @Test
    void aResidentModelShowsItsDeviceBytesPinAndTraffic() {
        activity.inferenceStarted("a", 1);
        activity.inferenceCompleted("a", 1, TimeUnit.MILLISECONDS.toNanos(4), true);
        activity.inferenceStarted("a", 1); // still running

        Map<String, Object> snapshot = StatusSnapshot.of(memory(lease("a", 300, true)),
                List.of(new ModelStatus("a", "1", ModelState.READY, "")), activity, 0);

        Map<String, Object> a = model(snapshot, "a");
        assertEquals(List.of("cpu"), a.get("devices"));
        assertEquals(300L, a.get("bytes"));
        assertEquals(true, a.get("pinned"));
        assertEquals(999_000L, a.get("last_used_ms"));
        assertEquals(1, a.get("in_flight"));
        assertEquals(1.0 / 60, (double) a.get("requests_per_second"), 1e-9);
        assertEquals(4.0, (double) a.get("mean_latency_ms"), 1e-9);
        Map<String, Object> lease = list(list(snapshot, "devices").get(0), "leases").get(0);
        assertEquals(true, lease.get("busy"));
        assertEquals(true, lease.get("pinned"));
    }

    @Test
    void aModelThatIsNotLoadedHasNoDeviceAndAFinishedRequestLeavesItIdle() {
        activity.inferenceStarted("b", 1);
        activity.inferenceCompleted("b", 1, 1_000, true);

        Map<String, Object> snapshot = StatusSnapshot.of(memory(lease("b", 10, false)),
                List.of(new ModelStatus("b", "1", ModelState.READY, ""),
                        new ModelStatus("c", "1", ModelState.UNAVAILABLE, "")),
                activity, 0);

        assertFalse(model(snapshot, "b").containsKey("in_flight"));
        assertEquals(false, list(list(snapshot, "devices").get(0), "leases").get(0).get("busy"));
        assertNull(model(snapshot, "c").get("devices"));
        assertEquals(Map.of("ready", 1, "unavailable", 1), snapshot.get("counts"));
    }

    @Test
    void aLoadInProgressShowsItsPhaseAndHowLongItHasBeenInIt() {
        activity.loadPhaseStarted("slow", 2, LoadPhase.READ);
        clock.addAndGet(1_000);
        activity.loadPhaseStarted("slow", 2, LoadPhase.DESERIALISE);
        clock.addAndGet(6_500);

        Map<String, Object> slow = model(StatusSnapshot.of(memory(),
                List.of(new ModelStatus("slow", "2", ModelState.LOADING, "")), activity, 0), "slow");

        assertEquals("deserialise", slow.get("phase"));
        assertEquals(6_500L, slow.get("phase_ms"));
        assertEquals(7_500L, slow.get("loading_ms"));
    }

    @Test
    void theTimelineSaysWhyAModelWasEvictedAndWhyALoadFailed() {
        activity.modelLoaded("a", 1, TimeUnit.MILLISECONDS.toNanos(120), true);
        activity.modelUnloaded("a", 1, true);
        activity.loadPhaseStarted("bad", 1, LoadPhase.DESERIALISE);
        activity.modelLoadFailed("bad", 1, "not a TorchScript archive");

        Map<String, Object> snapshot = StatusSnapshot.of(memory(), List.of(
                new ModelStatus("a", "1", ModelState.UNAVAILABLE, "evicted (least recently used) to make room for b"),
                new ModelStatus("bad", "1", ModelState.FAILED, "not a TorchScript archive")), activity, 0);

        List<Map<String, Object>> events = list(snapshot, "events");
        assertEquals(List.of("loaded", "evicted", "load_failed"), events.stream().map(e -> e.get("kind")).toList());
        assertEquals(120L, events.get(0).get("duration_ms"));
        assertEquals(true, events.get(0).get("cold_start"));
        assertEquals("evicted (least recently used) to make room for b", events.get(1).get("reason"));
        assertEquals("not a TorchScript archive (in phase deserialise)", events.get(2).get("reason"));
        assertEquals("not a TorchScript archive", model(snapshot, "bad").get("reason"));
        assertEquals(3L, snapshot.get("last_event"));
        assertTrue(list(StatusSnapshot.of(memory(), List.of(), activity, 3), "events").isEmpty(),
                "a page that has every event gets none again");
    }
}
