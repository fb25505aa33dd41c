package org.gantry.runtime.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.gantry.api.error.GantryException;

/** Size and newest modification time of a version's files: what identifies an artifact's footprint. */
record Artifact(long bytes, long lastModified) {

    static Artifact of(Path directory) {
        long bytes = 0;
        long newest = 0;
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                newest = Math.max(newest, Files.getLastModifiedTime(file).toMillis());
                if (Files.isRegularFile(file)) {
                    bytes += Files.size(file);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw GantryException.invalidArgument("cannot read the model files in %s: %s", directory, e.getMessage());
        }
        return new Artifact(bytes, newest);
    }

    /** The key the memory manager remembers this artifact's measured footprint under. */
    String key(String modelName, long version) {
        return modelName + "/" + version + "/" + bytes + "/" + lastModified;
    }
}
