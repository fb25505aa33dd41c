package org.gantry.api.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Resolves a file name from a model's configuration so that it stays inside the model's folder: a configuration
 * must not make the server read, and serve, files from anywhere else.
 * <p>
 * The name is checked lexically first (relative, not climbing out of the folder it is looked up in), without
 * touching the file system. Symbolic links are then followed one path segment at a time, as the kernel would, but
 * only inside the model's folder: the walk stops the moment a link leads out, without looking at what lies there.
 * So a refusal never depends on, and never tells, whether a file outside exists. {@link Path#toRealPath} is no
 * help here: it follows links out, and fails differently where their targets are missing.
 */
final class ModelFolderPaths {

    /** Links followed on one path at most, as Linux's MAXSYMLINKS: a longer chain is taken for a loop. */
    private static final int MAX_LINKS = 40;

    private ModelFolderPaths() {
    }

    /**
     * The path, free of symbolic links, that {@code name} names in {@code folder}; empty where the name is absolute,
     * names {@code folder} itself or climbs out of it ({@code ..}), or where a link on the way leads out of
     * {@code modelFolder}. The path need not exist.
     *
     * @param modelFolder the model's folder: links may lead anywhere inside it (a version to another's weights)
     * @param folder      where the name is looked up: the model's folder or one of its version folders
     */
    static Optional<Path> resolve(Path modelFolder, Path folder, String name) {
        Path relative;
        try {
            relative = Path.of(name).normalize();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        if (relative.isAbsolute() || relative.toString().isEmpty() || relative.startsWith("..")) {
            return Optional.empty();
        }
        Optional<Path> realFolder = realPath(folder);
        if (realFolder.isEmpty()) {
            return Optional.of(folder.toAbsolutePath().normalize().resolve(relative)); // nothing, so no links, in it
        }
        // A version folder that is itself a link elsewhere was chosen by the server, not by the configuration.
        Path boundary = realPath(modelFolder).filter(realFolder.get()::startsWith).orElse(realFolder.get());
        return walk(boundary, realFolder.get(), relative);
    }

    private static Optional<Path> walk(Path boundary, Path start, Path relative) {
        Deque<String> pending = new ArrayDeque<>();
        relative.forEach(segment -> pending.addLast(segment.toString()));
        Path current = start;
        int links = 0;
        while (!pending.isEmpty()) {
            String segment = pending.removeFirst();
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (current.equals(boundary)) {
                    return Optional.empty();
                }
                current = current.getParent();
                continue;
            }
            Path next = current.resolve(segment);
            if (!Files.isSymbolicLink(next)) {
                current = next;
                continue;
            }
            Path target;
            try {
                target = Files.readSymbolicLink(next);
            } catch (IOException e) {
                return Optional.empty();
            }
            if (++links > MAX_LINKS || target.isAbsolute() && !target.startsWith(boundary)) {
                return Optional.empty();
            }
            Deque<String> linked = new ArrayDeque<>();
            target.forEach(part -> linked.addLast(part.toString()));
            if (target.isAbsolute()) {
                current = boundary; // and on from there with what the target names below it
                for (int i = 0; i < boundary.getNameCount(); i++) {
                    linked.removeFirst();
                }
            }
            linked.descendingIterator().forEachRemaining(pending::addFirst);
        }
        return Optional.of(current);
    }

    private static Optional<Path> realPath(Path folder) {
        try {
            return Optional.of(folder.toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
