package org.gantry.runtime.internal;

import static org.gantry.runtime.internal.TestModels.loadedVersion;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.VersionPolicy;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelStatistics;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server says about a model without serving it, alone: metadata, configuration and statistics. */
class ModelDescriptionsTest {

    private final VersionRegistry registry = new VersionRegistry();
    private ModelDescriptions descriptions;

    @BeforeEach
    void start(@TempDir Path models) {
        MemoryRepository repository = new MemoryRepository(models);
        repository.add(scaleConfig("m", 4, new VersionPolicy.All()), 1L, 2L);
        descriptions = new ModelDescriptions(new ModelCatalog(repository), registry);
    }

    @Test
    void metadataComesFromTheRepositoryBeforeAnyLoad() {
        ModelMetadata metadata = descriptions.metadata("m", null);
        assertEquals(List.of("1", "2"), metadata.versions());
        assertEquals("test_platform", metadata.platform());
        assertEquals("INPUT__0", metadata.inputs().get(0).name());
        assertEquals(List.of(-1L, -1L), metadata.inputs().get(0).shape(), "the batch dimension comes first");
    }

    @Test
    void theConfigurationIsTheBackendsCompletedOneOnceAVersionIsLoaded() {
        assertEquals(Map.of(), descriptions.config("m", "2").parameters(), "the repository's, before a load");
        ModelConfig completed = scaleConfig("m", 4, new VersionPolicy.All(), Map.of("completed_by", "backend"));
        registry.register(loadedVersion(completed, 2, new ScalingBackend(), MemoryManagerImpl.forHost(1L << 30,
                null)));
        assertEquals("backend", descriptions.config("m", "2").parameters().get("completed_by"));
        assertEquals(Map.of(), descriptions.config("m", "1").parameters(), "version 1 never loaded");
    }

    @Test
    void everyServedVersionHasStatisticsEvenBeforeItsFirstRequest() {
        List<ModelStatistics> statistics = descriptions.statistics("m", null);
        assertEquals(List.of("1", "2"), statistics.stream().map(ModelStatistics::version).toList());
        assertEquals(0, statistics.get(0).inferenceCount());
        assertEquals(List.of("2"), descriptions.statistics("m", "2").stream().map(ModelStatistics::version).toList());
        assertEquals(List.of(), descriptions.statistics(null, null), "no version is known to the registry yet");
    }

    @Test
    void anUnknownModelIsNotFound() {
        GantryException unknown = assertThrows(GantryException.class, () -> descriptions.metadata("nope", null));
        assertEquals(ErrorKind.NOT_FOUND, unknown.kind());
    }
}
