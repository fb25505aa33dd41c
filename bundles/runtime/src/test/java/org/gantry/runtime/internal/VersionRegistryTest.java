package org.gantry.runtime.internal;

import static org.gantry.runtime.internal.TestModels.loadedVersion;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeSet;

import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.Test;

/** The versions requests reach, alone: the default version, the stand-in while a newer one loads, readiness. */
class VersionRegistryTest {

    private final VersionRegistry registry = new VersionRegistry();
    private final MemoryManagerImpl memory = MemoryManagerImpl.forHost(1L << 30, null);

    private ModelVersion ready(long version) {
        ModelVersion loaded = loadedVersion(scaleConfig("m", 0, null), version, new ScalingBackend(), memory);
        registry.register(loaded);
        return loaded;
    }

    @Test
    void theDefaultVersionServesFromMemoryOnlyWhenTheNewestKnownVersionIsReady() {
        ModelVersion one = ready(1);
        assertSame(one, registry.expectReady("m", null));
        one.acquire();
        one.release();

        registry.getOrCreate("m", 2); // a newer version, not loaded yet

        assertNull(registry.expectReady("m", null));
        assertSame(one, registry.expectReady("m", "1"), "asked for by number, the ready one serves");
        one.acquire();
        one.release();
        assertNull(registry.expectReady("m", "x"));
    }

    @Test
    void aReadyVersionThePolicyNoLongerSelectsStandsInForTheNewOne() {
        ModelVersion one = ready(1);
        registry.getOrCreate("m", 2);

        assertSame(one, registry.replacedReadyVersion("m", new TreeSet<>(List.of(2L))));
        assertNull(registry.replacedReadyVersion("m", new TreeSet<>(List.of(1L, 2L))),
                "a version still selected never stands in for another");
    }

    @Test
    void aModelIsReadyWhenAnyVersionIsAndAVersionWhenThatOneIs() {
        ready(1);
        registry.getOrCreate("m", 2);

        assertTrue(registry.isReady("m", null));
        assertTrue(registry.isReady("m", "1"));
        assertFalse(registry.isReady("m", "2"));
        assertFalse(registry.isReady("other", null));
    }

    @Test
    void aRegisteredGenerationReplacesTheVersionAndForgettingAModelDropsAllItsVersions() {
        ModelVersion one = ready(1);
        ModelVersion next = one.nextGeneration();

        assertSame(one, registry.register(next));
        assertSame(next, registry.get("m", 1));
        assertEquals(List.of(next), registry.all());

        registry.forget("m");
        assertFalse(registry.knows("m"));
        assertEquals(List.of(), List.copyOf(registry.versions("m")));
    }
}
