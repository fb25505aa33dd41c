package org.gantry.memory.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measured footprints by artifact, kept in a properties file so that the first estimate after a restart is
 * the real footprint, not a guess from the artifact's size.
 */
final class FootprintStore {

    private static final Logger LOG = LoggerFactory.getLogger(FootprintStore.class);

    private final Path file;
    private final Map<String, Long> footprints = new ConcurrentHashMap<>();

    FootprintStore(Path file) {
        this.file = file;
        if (file != null && Files.isRegularFile(file)) {
            Properties stored = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                stored.load(reader);
                stored.forEach((key, value) -> footprints.put((String) key, Long.parseLong((String) value)));
            } catch (IOException | NumberFormatException e) {
                LOG.warn("Ignoring unreadable footprint file {}: {}", file, e.toString());
            }
        }
    }

    OptionalLong get(String artifactKey) {
        Long bytes = footprints.get(artifactKey);
        return bytes == null ? OptionalLong.empty() : OptionalLong.of(bytes);
    }

    void put(String artifactKey, long bytes) {
        Long previous = footprints.put(artifactKey, bytes);
        if (file != null && (previous == null || previous != bytes)) {
            save();
        }
    }

    private synchronized void save() {
        Properties stored = new Properties();
        footprints.forEach((key, value) -> stored.setProperty(key, Long.toString(value)));
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                stored.store(writer, "Gantry: measured model footprints in bytes, by artifact");
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("Could not save measured footprints to {}: {}", file, e.toString());
        }
    }
}
