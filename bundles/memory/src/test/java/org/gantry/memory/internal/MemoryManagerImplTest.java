package org.gantry.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import org.gantry.api.backend.Device;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryManagerImplTest {

    @TempDir
    Path temp;

    /** A model as the runtime would hold it: busy models refuse eviction, idle ones release their lease. */
    private static final class Model {
        final String name;
        Lease lease;
        boolean busy;
        boolean evicted;

        Model(String name) {
            this.name = name;
        }

        boolean evictIfIdle(String reason) {
            if (busy) {
                return false;
            }
            evicted = true;
            lease.close();
            return true;
        }
    }

    private static Model load(MemoryManagerImpl manager, String name, long bytes, boolean pinned) {
        Model model = new Model(name);
        model.lease = manager
                .reserve(new LeaseRequest(name, 1, List.of(Device.CPU), bytes, pinned, model::evictIfIdle));
        model.lease.commit(bytes, name);
        return model;
    }

    @Test
    void evictsTheLeastRecentlyUsedIdleUnpinnedModelsUntilANewOneFits() throws Exception {
        MemoryManagerImpl manager = MemoryManagerImpl.forHost(1000, null);
        List<MemoryManagerImpl.EvictionDecision> decisions = new ArrayList<>();
        manager.observeEvictions(decisions::add);
        Model a = load(manager, "a", 300, false);
        Model b = load(manager, "b", 300, true);
        Model c = load(manager, "c", 300, false);
        Thread.sleep(2);
        a.lease.touch(); // c is now the least recently used, but pinned b stays whatever its age

        Model d = load(manager, "d", 300, false);

        assertTrue(c.evicted);
        assertFalse(a.evicted || b.evicted);
        assertEquals(900, manager.report().devices().get(0).usedBytes());
        assertEquals("c", decisions.get(0).victim().model());
        assertEquals(List.of("c", "a"), decisions.get(0).candidates().stream().map(x -> x.model()).toList());

        a.busy = true; // a is older than d but busy: d goes instead
        Thread.sleep(2);
        Model e = load(manager, "e", 300, false);
        assertTrue(d.evicted);
        assertFalse(a.evicted);
        assertEquals(List.of("a"), decisions.get(1).busySkipped().stream().map(x -> x.model()).toList());
        assertEquals(2, manager.report().evictions());
        assertFalse(e.evicted);
    }

    @Test
    void whatCanNeverFitFailsFastAndDisturbsNothing() {
        MemoryManagerImpl manager = MemoryManagerImpl.forHost(1000, null);
        Model pinned = load(manager, "pinned", 600, true);
        Model busy = load(manager, "busy", 300, false);
        busy.busy = true;

        GantryException tooBig = assertThrows(GantryException.class, () -> load(manager, "huge", 2000, false));
        assertEquals(ErrorKind.INSUFFICIENT_MEMORY, tooBig.kind());
        assertTrue(tooBig.getMessage().contains("budget"), tooBig.getMessage());
        GantryException noRoom = assertThrows(GantryException.class, () -> load(manager, "more", 200, false));
        assertEquals(ErrorKind.INSUFFICIENT_MEMORY, noRoom.kind());
        assertTrue(noRoom.getMessage().contains("pinned, busy or still loading"), noRoom.getMessage());
        assertFalse(pinned.evicted || busy.evicted);
        assertEquals(900, manager.report().devices().get(0).usedBytes());
    }

    @Test
    void aCommitThatGrowsEvictsOthersAndLoadingLeasesAreNeverEvicted() {
        MemoryManagerImpl manager = MemoryManagerImpl.forHost(1000, null);
        Model old = load(manager, "old", 400, false);
        Lease loading = manager.reserve(new LeaseRequest("new", 1, List.of(Device.CPU), 400, false, r -> false));
        assertEquals("LOADING", manager.report().devices().get(0).models().get(1).state());
        loading.commit(700, null); // measured more than estimated: old must go
        assertTrue(old.evicted);
        assertEquals(700, manager.report().devices().get(0).usedBytes());

        Lease third = manager.reserve(new LeaseRequest("third", 1, List.of(Device.CPU), 300, false, r -> false));
        assertThrows(GantryException.class, () -> manager.reserve(
                new LeaseRequest("fourth", 1, List.of(Device.CPU), 100, false, r -> false)));
        third.close();
        third.close(); // idempotent
        assertEquals(700, manager.report().devices().get(0).usedBytes());
    }

    @Test
    void evictForFreesRoomForAnEngineThatRanOutOfMemory() {
        MemoryManagerImpl manager = MemoryManagerImpl.forHost(1000, null);
        Model a = load(manager, "a", 300, false);
        Model b = load(manager, "b", 300, false);
        Model needy = load(manager, "needy", 300, false);
        assertEquals(300, manager.evictFor(Device.CPU, 200, needy.lease));
        assertTrue(a.evicted);
        assertFalse(b.evicted || needy.evicted);
    }

    @Test
    void learnedFootprintsSurviveARestart() {
        Path file = temp.resolve("data/gantry/footprints.properties");
        MemoryManagerImpl first = MemoryManagerImpl.forHost(1000, file);
        Lease lease = first.reserve(new LeaseRequest("m", 1, List.of(Device.CPU), 100, false, r -> false));
        lease.commit(123, "m/1/100/42");
        MemoryManagerImpl second = MemoryManagerImpl.forHost(1000, file);
        assertEquals(OptionalLong.of(123), second.learnedFootprint("m/1/100/42"));
        assertEquals(OptionalLong.empty(), second.learnedFootprint("m/1/100/43"));
    }

    @Test
    void theReportListsDevicesAndLeasesLeastRecentlyUsedFirst() throws Exception {
        MemoryManagerImpl manager = MemoryManagerImpl.forHost(1000, null);
        load(manager, "first", 100, true);
        Thread.sleep(2);
        load(manager, "second", 200, false);
        MemoryReport.DeviceMemory host = manager.report().devices().get(0);
        assertEquals("cpu", host.name());
        assertEquals(1000, host.budgetBytes());
        assertTrue(host.capacityBytes() > 0);
        assertEquals(List.of("first", "second"), host.models().stream().map(MemoryReport.LeaseInfo::model).toList());
        assertTrue(host.models().get(0).pinned());
        assertEquals("RESIDENT", host.models().get(1).state());
    }

    @Test
    void gpuDiscoveryNeverFailsAndReportsSaneFigures() {
        // Without libcuda.so.1 (as on CI) this is an empty list and one info line; on a GPU machine, the GPUs.
        for (CudaDevices.Gpu gpu : CudaDevices.discover()) {
            assertTrue(gpu.totalBytes() > 0, gpu.toString());
            assertTrue(gpu.freeBytes() > 0 && gpu.freeBytes() <= gpu.totalBytes(), gpu.toString());
            assertFalse(gpu.name().isBlank(), gpu.toString());
        }
    }

    @Test
    void nativeMemoryInUseFollowsNativeAllocations() {
        long before = HostMemoryProbe.nativeBytesInUse();
        java.nio.ByteBuffer held = java.nio.ByteBuffer.allocateDirect(64 << 20); // malloc'd outside the Java heap
        for (int i = 0; i < held.capacity(); i += 4096) {
            held.put(i, (byte) 1);
        }
        long during = HostMemoryProbe.nativeBytesInUse();
        assertTrue(before > 0, "readable on Linux");
        // Other threads of the test JVM (the JIT, the collector) allocate and free meanwhile: on a loaded machine they
        // added 13 MiB to the 64 once, so allow them as much again as the allocation itself.
        assertTrue(during - before >= (56 << 20) && during - before <= (128 << 20), "grew by " + (during - before));
        assertEquals(1, held.get(0));
    }

    @Test
    void byteSizesReadUnits() {
        assertEquals(512L << 20, ByteSizes.parse("512MiB"));
        assertEquals(8L << 30, ByteSizes.parse("8GiB"));
        assertEquals(2_000_000_000L, ByteSizes.parse("2GB"));
        assertEquals(1234, ByteSizes.parse("1234"));
        assertEquals(1536, ByteSizes.parse("1.5k"));
        assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("lots"));
        assertEquals("1.5 GiB", ByteSizes.format(3L << 29));
    }
}
