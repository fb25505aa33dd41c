package org.gantry.runtime.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What a load of one model version reads: the files of the model's folder (its {@code config.pbtxt} and what all
 * versions share) and of the version's own folder, each by path, size and modification time; other versions'
 * folders are left out. Two equal fingerprints mean that a load would read the same files, so a load request of a
 * loaded model can tell whether it must load it again (Triton compares modification times the same way).
 */
final class ModelFingerprint {

    private ModelFingerprint() {
    }

    /** The fingerprint; a folder that cannot be read gives one that equals no other, so a load tries and reports. */
    static String of(Path modelDirectory, long version) {
        String own = Long.toString(version);
        StringBuilder description = new StringBuilder();
        try (Stream<Path> files = Files.walk(modelDirectory)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                Path relative = modelDirectory.relativize(file);
                String top = relative.getName(0).toString();
                if (relative.getNameCount() > 1 && isVersionFolder(top) && !top.equals(own)) {
                    continue; // another version's files: a change there reloads that version only
                }
                description.append(relative).append('=').append(Files.size(file)).append('@')
                        .append(Files.getLastModifiedTime(file).toMillis()).append(';');
            }
        } catch (IOException | UncheckedIOException e) {
            return "unreadable " + System.nanoTime() + ": " + e;
        }
        return description.toString();
    }

    private static boolean isVersionFolder(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
