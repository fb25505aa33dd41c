package org.gantry.runtime.internal;

import static org.gantry.runtime.internal.TestModels.loadedVersion;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pinning alone: through the API, by configuration, and what it does to the leases of loaded versions. */
class ResidencyTest {

    private final MemoryManagerImpl memory = MemoryManagerImpl.forHost(1L << 30, null);
    private final ModelConfig config = scaleConfig("m", 0, null);
    private final ModelVersion version = loadedVersion(config, 1, new ScalingBackend(), memory);
    private final Residency residency = new Residency(new Residency.Versions() {
        @Override
        public RepositoryModel model(String name) {
            if (!name.equals("m")) {
                throw GantryException.notFound("unknown model '%s'", name);
            }
            return new RepositoryModel("m", Path.of("unused"), config, new java.util.TreeSet<>(List.of(1L)));
        }

        @Override
        public Collection<ModelVersion> versions(String model) {
            return model.equals("m") ? List.of(version) : List.of();
        }

        @Override
        public void reload(ModelVersion evicted, RepositoryModel model) {
            throw new AssertionError("no keep-warm in this test");
        }
    });

    @AfterEach
    void stop() {
        residency.close();
    }

    @Test
    void pinningAModelPinsTheLeasesItHoldsAndUnpinningReleasesThem() {
        residency.pin("m", true);

        assertTrue(residency.isPinned(config));
        assertTrue(version.lease().pinned());

        residency.pin("m", false);
        assertFalse(residency.isPinned(config));
        assertFalse(version.lease().pinned());
    }

    @Test
    void aModelWhoseConfigurationPinsItStaysPinnedWhenTheApiUnpinsIt() {
        residency.pin("m", false);

        assertTrue(residency.isPinned(scaleConfig("m", 0, null, Map.of("pinned", "true"))));
        assertFalse(residency.isPinned(scaleConfig("m", 0, null, Map.of("pinned", "false"))));
    }

    @Test
    void pinningAnUnknownModelIsNotFound() {
        GantryException unknown = assertThrows(GantryException.class, () -> residency.pin("nope", true));

        assertEquals(ErrorKind.NOT_FOUND, unknown.kind());
    }
}
