package org.gantry.e2e;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the end-to-end tests find the built distribution and the example models, and where they work, as the build
 * passes them ({@code gantry.distribution}, {@code gantry.examples}, {@code gantry.e2e.work}).
 */
final class E2eFiles {

    static final Path DISTRIBUTION = Path.of(System.getProperty("gantry.distribution"));
    static final Path EXAMPLES = Path.of(System.getProperty("gantry.examples"));

    private E2eFiles() {
    }

    /** A test class's own folder under the run's work folder, created if missing. */
    static Path workFolder(String name) throws IOException {
        return Files.createDirectories(Path.of(System.getProperty("gantry.e2e.work")).resolve(name));
    }

    /** {@code work/models}, holding copies of the named example models: a repository of the test's own. */
    static Path exampleRepository(Path work, String... models) throws IOException {
        Path repository = work.resolve("models");
        for (String model : models) {
            copy(EXAMPLES.resolve(model), repository.resolve(model));
        }
        return repository;
    }

    /** Copies a folder tree, replacing files already there. */
    static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Deletes a folder tree, if there is one. */
    static void delete(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }

    /**
     * A server's own copy of the distribution, replacing {@code to}: the jars Karaf only reads ({@code system/},
     * {@code lib/}) are hard links; {@code data/}, what a server run in the build's folder left, is left out. Then
     * {@code etcFiles} (configuration files, by name) are written into its {@code etc/}.
     */
    static void copyDistribution(Path from, Path to, Map<String, String> etcFiles) throws IOException {
        copyDistribution(from, to);
        for (Map.Entry<String, String> file : etcFiles.entrySet()) {
            Files.writeString(to.resolve("etc").resolve(file.getKey()), file.getValue());
        }
    }

    private static void copyDistribution(Path from, Path to) throws IOException {
        delete(to);
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path relative = from.relativize(source);
                Path target = to.resolve(relative.toString());
                if (relative.startsWith("data")) {
                    continue;
                }
                if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else if (relative.startsWith("system") || relative.startsWith("lib")) {
                    linkOrCopy(source, target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void linkOrCopy(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
        } catch (UnsupportedOperationException | FileSystemException crossDevice) {
            Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
