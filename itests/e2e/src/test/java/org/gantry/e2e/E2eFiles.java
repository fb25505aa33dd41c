package org.gantry.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
}
