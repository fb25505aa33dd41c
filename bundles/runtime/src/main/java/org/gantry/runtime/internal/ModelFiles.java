package org.gantry.runtime.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.gantry.api.error.ErrorKind;
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
    /** The longest file or folder name common file systems (ext4, xfs) accept. */
    private static final int MAX_NAME_BYTES = 255;
    private static final Logger LOG = LoggerFactory.getLogger(ModelFiles.class);

    private ModelFiles() {
    }

    static Path stage(String modelName, Map<String, byte[]> files) {
        return stage(Path.of(System.getProperty("java.io.tmpdir")), modelName, files);
    }

    /** Stages the files in a new folder under {@code parent}. */
    static Path stage(Path parent, String modelName, Map<String, byte[]> files) {
        Path folder;
        try {
            folder = Files.createTempDirectory(parent, PREFIX);
        } catch (IOException e) {
            throw failure(modelName, e);
        }
        try {
            requireDistinctFiles(folder, files.keySet());
            requireRoom(modelName, folder, files);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path target = resolveInside(folder, file.getKey());
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue());
            }
            return folder;
        } catch (IOException e) {
            delete(folder);
            throw failure(modelName, e);
        } catch (RuntimeException e) {
            delete(folder);
            throw e;
        }
    }

    /**
     * Where each file goes, refusing two names for one file ({@code 1/a} and {@code 1//a}) and a file that another
     * name needs as a folder ({@code 1} and {@code 1/a}): either would silently drop one of the caller's files.
     */
    private static void requireDistinctFiles(Path folder, Iterable<String> names) {
        Map<Path, String> targets = new TreeMap<>();
        for (String name : names) {
            Path target = resolveInside(folder, name);
            for (Path part = folder.relativize(target); part != null; part = part.getParent()) {
                if (part.getFileName().toString().getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                    throw GantryException.invalidArgument("file '%s' has a name longer than %d bytes", name,
                            MAX_NAME_BYTES);
                }
            }
            String previous = targets.put(target, name);
            if (previous != null) {
                throw GantryException.invalidArgument("files '%s' and '%s' name the same file", previous, name);
            }
        }
        for (Map.Entry<Path, String> target : targets.entrySet()) {
            for (Path parent = target.getKey().getParent(); !parent.equals(folder); parent = parent.getParent()) {
                String file = targets.get(parent);
                if (file != null) {
                    throw GantryException.invalidArgument("file '%s' is also the folder of file '%s'", file,
                            target.getValue());
                }
            }
        }
    }

    /** Refuses before writing when the files cannot fit on the disk, so no half-written model is left behind. */
    private static void requireRoom(String modelName, Path folder, Map<String, byte[]> files) throws IOException {
        long needed = files.values().stream().mapToLong(content -> content.length).sum();
        long usable = Files.getFileStore(folder).getUsableSpace();
        if (needed > usable) {
            throw new GantryException(ErrorKind.INSUFFICIENT_STORAGE, String.format("the files of model '%s' need"
                    + " %d bytes but the server's disk has %d free", modelName, needed, usable));
        }
    }

    /** A disk that filled up while writing is the server's condition (507), any other failure a fault (500). */
    private static RuntimeException failure(String modelName, IOException e) {
        if (e instanceof FileSystemException fs && fs.getReason() != null && fs.getReason().contains("space")) {
            return new GantryException(ErrorKind.INSUFFICIENT_STORAGE, String.format("the server's disk is full:"
                    + " cannot store the files of model '%s'", modelName));
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null && fs.getReason().contains("too long")) {
            return GantryException.invalidArgument("a file of model '%s' has a path too long for the server's disk",
                    modelName);
        }
        return new UncheckedIOException("cannot write the files of model " + modelName, e);
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
