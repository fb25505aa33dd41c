package org.gantry.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.backend.Device;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Evictable;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.memory.ParkRequest;
import org.junit.jupiter.api.Test;

/** The host tier's arbitration with the host's own models, on a host of 1000 bytes, a tier of 800 and one GPU. */
class HostTierTest {

    private final MemoryManagerImpl manager = MemoryManagerImpl.withSimulatedGpus(1000, List.of(2000L), 800);

    /** A tier entry as the runtime holds one: dropping it closes the instance, and closing the lease ends it. */
    private static final class Entry implements Evictable {
        final AtomicInteger drops = new AtomicInteger();

        @Override
        public boolean evictIfIdle(String reason) {
            drops.incrementAndGet();
            return true;
        }

        @Override
        public Runnable beginEviction(String reason) {
            return drops::incrementAndGet;
        }
    }

    private Optional<Lease> park(String model, long bytes, Entry entry) {
        return manager.park(new ParkRequest(model, 1, model + "-artifact", Device.gpu(0), bytes, entry));
    }

    /** A model the host serves, idle: evictable whenever the manager wants its room. */
    private Lease hostModel(String model, long bytes) {
        Lease lease = manager.reserve(new LeaseRequest(model, 1, List.of(Device.CPU), bytes, false, reason -> true));
        lease.commit(bytes, null);
        return lease;
    }

    private String state(String model) {
        return manager.report().devices().get(0).models().stream().filter(lease -> lease.model().equals(model))
                .map(MemoryReport.LeaseInfo::state).findFirst().orElse("disk");
    }

    @Test
    void theTierTakesRoomOnlyFromItsOwnEntriesNeverFromModelsTheHostServes() {
        hostModel("served", 600);
        Entry first = new Entry();
        assertTrue(park("first", 300, first).isPresent());
        assertTrue(park("second", 300, new Entry()).isPresent(), "the first entry makes way");
        assertEquals(1, first.drops.get());
        assertEquals("disk", state("first"));
        assertEquals("HOST_TIER", state("second"));
        assertEquals("RESIDENT", state("served"));

        assertTrue(park("third", 500, new Entry()).isEmpty(), "no more room beside the host's own model");
        assertEquals("RESIDENT", state("served"));
        assertTrue(park("huge", 900, new Entry()).isEmpty(), "larger than the tier");
        MemoryReport.HostTier tier = manager.report().hostTier();
        assertEquals(800, tier.budgetBytes());
        assertEquals(300, tier.usedBytes());
        assertEquals(2, tier.parked());
        assertEquals(1, tier.dropped());
        assertEquals(0, manager.report().evictions(), "a drop to disk is no eviction: the model had left its GPU");
    }

    @Test
    void aHostReservationSendsTierEntriesToDiskBeforeAnyModelTheHostServes() {
        hostModel("older", 300); // used before the entry was parked: least recently used of all
        Entry entry = new Entry();
        assertTrue(park("parked", 400, entry).isPresent());
        hostModel("newcomer", 500);
        assertEquals(1, entry.drops.get());
        assertEquals("disk", state("parked"));
        assertEquals("RESIDENT", state("older"));
        assertEquals("RESIDENT", state("newcomer"));
    }

    @Test
    void anEntryTakenForItsRestoreIsNeverDroppedAndADroppedOneCannotBeTaken() {
        Entry taken = new Entry();
        Lease takenLease = park("taken", 600, taken).orElseThrow();
        assertTrue(manager.unpark(takenLease));
        assertEquals("RESTORING", state("taken"));
        GantryException full = assertThrows(GantryException.class, () -> hostModel("served", 500));
        assertEquals(ErrorKind.INSUFFICIENT_MEMORY, full.kind());
        assertEquals(0, taken.drops.get());
        assertFalse(manager.unpark(takenLease), "taken once");
        takenLease.close(); // the weights are back on the GPU
        assertEquals(0, manager.report().hostTier().usedBytes());

        Entry dropped = new Entry();
        Lease droppedLease = park("dropped", 300, dropped).orElseThrow();
        hostModel("served", 900);
        assertEquals(1, dropped.drops.get());
        assertFalse(manager.unpark(droppedLease));
    }

    @Test
    void theTierIsOffWithoutGpusOrWithABudgetOfZeroAndIsAShareOfTheHostBudgetByDefault() {
        assertTrue(MemoryManagerImpl.forHost(1000, null).park(new ParkRequest("m", 1, "k", Device.gpu(0), 10,
                new Entry())).isEmpty());
        assertEquals(250, HostTier.ceiling("", 0.25).bytes(1000));
        assertEquals(250, HostTier.ceiling(null, 0.25).bytes(1000));
        assertEquals(0, HostTier.ceiling("0", 0.25).bytes(1000));
        assertEquals(512, HostTier.ceiling("512", 0.25).bytes(1000));
        assertEquals(1000, HostTier.ceiling("1GiB", 0.25).bytes(1000), "never past the host's");
        assertThrows(IllegalArgumentException.class, () -> HostTier.ceiling("", 1.5));
    }
}
