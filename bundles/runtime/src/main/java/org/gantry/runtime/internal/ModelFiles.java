package org.gantry.runtime.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.gantry.api.error.GantryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model files given with a load request ({@code file:<path>} parameters), written to a private folder under the
 * temporary directory (in Karaf, {@code data/tmp}). Paths are checked before anything is written: none may leave
 * the model's folder.
 */
final class ModelFiles {

    private static final String PREFIX = "gantry-model-";
    private static final Logger LOG = LoggerFactory.getLogger(ModelFiles.class);

    private ModelFiles() {
    }

    static Path stage(String modelName, Map<String, byte[]> files) {
        Path folder;
        try {
            folder = Files.createTempDirectory(PREFIX);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the files of model " + modelName, e);
        }
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path target = resolveInside(folder, file.getKey());
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue());
            }
            return folder;
        } catch (IOException e) {
            delete(folder);
            throw new UncheckedIOException("cannot write the files of model " + modelName, e);
        } catch (RuntimeException e) {
            delete(folder);
            throw e;
        }
    }

    /** The path of a relative file name inside {@code folder}, refusing names that would leave it. */
    static Path resolveInside(Path folder, String relative) {
        Path path;
        try {
            path = Path.of(relative);
        } catch (InvalidPathException e) {
            throw GantryException.invalidArgument("file '%s' is not a valid path: %s", relative, e.getReason());
        }
        Path target = folder.resolve(path).normalize();
        if (relative.isEmpty() || path.isAbsolute() || !target.startsWith(folder) || target.equals(folder)
                || relative.contains("\\")) {
            throw GantryException.invalidArgument("file '%s' must be a relative path inside the model's folder, such"
                    + " as '1/model.pt'", relative);
        }
        return target;
    }

    static boolean isStaged(Path folder) {
        Path parent = folder.getParent();
        return parent != null && parent.equals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath())
                && folder.getFileName().toString().startsWith(PREFIX);
    }

    static void delete(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warn("Cannot delete {}: {}", path, e.getMessage());
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Cannot delete {}: {}", folder, e.getMessage());
        }
    }
}
