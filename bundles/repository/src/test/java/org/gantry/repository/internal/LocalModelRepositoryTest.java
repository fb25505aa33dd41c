package org.gantry.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.gantry.api.error.GantryException;
import org.gantry.api.repository.RepositoryModel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalModelRepositoryTest {

    @TempDir
    Path temp;
    private Path root;
    private LocalModelRepository repository;

    @BeforeEach
    void createRepository() throws IOException {
        root = Files.createDirectories(temp.resolve("models"));
        model("alpha", "platform: \"pytorch_libtorch\"", "1", "3", "10", "latest", "-1", "0");
        model("beta", "backend: \"pytorch\"");
        Files.writeString(root.resolve("not-a-model.txt"), "x");
        Files.createDirectories(root.resolve(".hidden"));
        repository = new LocalModelRepository(root);
    }

    private void model(String name, String config, String... versions) throws IOException {
        Path folder = Files.createDirectories(root.resolve(name));
        Files.writeString(folder.resolve("config.pbtxt"), config);
        for (String version : versions) {
            Files.createDirectories(folder.resolve(version));
        }
    }

    @Test
    void listsModelFoldersAndTheirNumericVersions() {
        assertEquals(Set.of("alpha", "beta"), repository.modelNames());
        RepositoryModel alpha = repository.model("alpha").orElseThrow();
        assertEquals(List.of(1L, 3L, 10L), List.copyOf(alpha.versions()));
        assertEquals("pytorch_libtorch", alpha.config().platform());
        assertEquals(root.resolve("alpha"), alpha.directory());
        assertTrue(repository.model("beta").orElseThrow().versions().isEmpty());
    }

    @Test
    void namesThatCouldLeaveTheRepositoryAreNoModels() throws IOException {
        Path outside = Files.createDirectories(temp.resolve("secret"));
        Files.writeString(outside.resolve("config.pbtxt"), "platform: \"x\"");
        Files.createSymbolicLink(root.resolve("escape"), outside);
        for (String name : List.of("../secret", "..", ".", "alpha/..", "a/b", "a\\b", "", "escape", ".hidden",
                "../models/alpha", "alpha\0")) {
            assertTrue(repository.model(name).isEmpty(), "'" + name + "' must not be a model");
        }
        assertTrue(!repository.modelNames().contains("escape"));
    }

    @Test
    void aBrokenConfigIsReportedWhenTheModelIsRead() throws IOException {
        model("broken", "input [ {");
        GantryException error = assertThrows(GantryException.class, () -> repository.model("broken"));
        assertTrue(error.getMessage().contains("broken/config.pbtxt"), error.getMessage());
        assertTrue(repository.modelNames().contains("broken"), "listing does not parse configs");
    }

    @Test
    void aMissingConfigGivesJustTheName() throws IOException {
        Files.createDirectories(root.resolve("bare/1"));
        RepositoryModel bare = repository.model("bare").orElseThrow();
        assertEquals("bare", bare.config().name());
        assertEquals("", bare.config().platform());
    }

    @Test
    void aMissingRepositoryIsEmpty() {
        LocalModelRepository missing = new LocalModelRepository(temp.resolve("nowhere"));
        assertTrue(missing.modelNames().isEmpty());
        assertTrue(missing.model("alpha").isEmpty());
    }

    @Test
    void relativePathsUseTheHomeAndABlankPathIsTheDefault() {
        assertEquals(Path.of("/data/m"), LocalModelRepository.resolveRoot("/data/m", "/opt/gantry"));
        assertEquals(Path.of("/opt/gantry/models"), LocalModelRepository.resolveRoot("models", "/opt/gantry"));
        // What the file's placeholder gives when GANTRY_MODEL_REPOSITORY is set but empty.
        assertEquals(Path.of("/opt/gantry/models"), LocalModelRepository.resolveRoot("", "/opt/gantry"));
        assertEquals(Path.of("models"), LocalModelRepository.resolveRoot(null, null));
    }
}
