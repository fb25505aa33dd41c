package org.gantry.runtime.internal;

import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.VersionPolicy;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What models exist, alone: the repository, load overrides, version choice and the index. */
class ModelCatalogTest {

    private MemoryRepository repository;
    private ModelCatalog catalog;

    @BeforeEach
    void start(@TempDir Path models) {
        repository = new MemoryRepository(models);
        repository.add(scaleConfig("m", 0, new VersionPolicy.All()), 1L, 2L);
        catalog = new ModelCatalog(repository);
    }

    @Test
    void aRequestWithoutAVersionGetsTheNewestSelectedOneAndAnUnservedVersionIsNotFound() {
        RepositoryModel model = catalog.read("m");

        assertEquals(2, ModelCatalog.chooseVersion(model, null));
        assertEquals(1, ModelCatalog.chooseVersion(model, "1"));
        for (String unserved : List.of("3", "x", "", "-1")) {
            GantryException missing = assertThrows(GantryException.class,
                    () -> ModelCatalog.chooseVersion(model, unserved));
            assertEquals(ErrorKind.NOT_FOUND, missing.kind(), unserved);
        }
        assertEquals(Optional.empty(), ModelCatalog.parseVersion("1234567890123456789"));
    }

    @Test
    void anUnknownModelIsNotFoundNamingTheRepository() {
        GantryException unknown = assertThrows(GantryException.class, () -> catalog.read("nope"));

        assertEquals(ErrorKind.NOT_FOUND, unknown.kind());
        assertTrue(unknown.getMessage().contains(repository.location()), unknown.getMessage());
    }

    @Test
    void aConfigurationGivenWithALoadIsInForceOnceCommittedAndUntilItEnds() {
        RepositoryModel prepared = catalog.prepare("m", new ModelOverride("""
                {"name": "m", "platform": "test_platform", "version_policy": {"specific": {"versions": [1]}}}""",
                null));
        assertEquals(2, ModelCatalog.chooseVersion(catalog.read("m"), null), "prepared is not in force yet");

        catalog.commit(prepared);
        assertEquals(1, ModelCatalog.chooseVersion(catalog.read("m"), null));

        catalog.endOverride("m");
        assertEquals(2, ModelCatalog.chooseVersion(catalog.read("m"), null));
    }

    @Test
    void theIndexListsEveryServedVersionAndVersionsStillLoadedThatTheRepositoryNoLongerHas() {
        repository.add(scaleConfig("one", 0, VersionPolicy.DEFAULT), 1L, 2L);
        VersionRegistry versions = new VersionRegistry();
        versions.getOrCreate("gone", 7);

        List<ModelStatus> index = catalog.index(versions);

        assertEquals(List.of("gone/7", "m/1", "m/2", "one/2"), index.stream().map(s -> s.name() + "/" + s.version())
                .sorted().toList());
        assertTrue(index.stream().allMatch(s -> s.state() == ModelState.UNAVAILABLE));
        assertFalse(catalog.isAdded("m"));
    }
}
