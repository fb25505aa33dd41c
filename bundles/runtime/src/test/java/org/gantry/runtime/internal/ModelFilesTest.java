package org.gantry.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {

    @TempDir
    Path parent;

    /** The files are refused as the caller's mistake, saying {@code why}, and nothing is left behind. */
    private void assertCallersMistake(String why, Map<String, byte[]> files) {
        GantryException error = assertThrows(GantryException.class, () -> ModelFiles.stage(parent, "m", files));
        try (Stream<Path> left = Files.list(parent)) {
            assertEquals(0, left.count(), "a refused load leaves nothing behind");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(ErrorKind.INVALID_ARGUMENT, error.kind());
        assertTrue(error.getMessage().contains(why), error.getMessage());
    }

    /** The names in this order. */
    private static Map<String, byte[]> inOrder(String first, String second) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(first, new byte[1]);
        files.put(second, new byte[2]);
        return files;
    }

    @Test
    void filesAreWrittenWhereTheirNamesSay() throws IOException {
        Path folder = ModelFiles.stage(parent, "m", Map.of("config.pbtxt", new byte[] { 1 }, "1/model.pt",
                new byte[] { 2, 3 }));
        assertArrayEquals(new byte[] { 2, 3 }, Files.readAllBytes(folder.resolve("1/model.pt")));
    }

    @Test
    void twoNamesForOneFileAreTheCallersMistake() {
        assertCallersMistake("name the same file", inOrder("1/model.pt", "1//model.pt"));
    }

    @Test
    void aFileThatAnotherNeedsAsItsFolderIsTheCallersMistake() {
        assertCallersMistake("is also the folder of", inOrder("1", "1/model.pt"));
    }

    @Test
    void aNameLongerThanTheDiskAllowsIsTheCallersMistake() {
        assertCallersMistake("", Map.of("1/" + "a".repeat(256), new byte[1]));
    }

    /** Needs root to mount a small tmpfs (CI runs as root); elsewhere it is skipped. */
    @Test
    void filesThatDoNotFitOnTheDiskAre507AndLeaveNothingBehind() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small disk needs root");
        Path disk = Files.createDirectories(parent.resolve("small-disk"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.toString()) == 0, "mount failed");
        try {
            GantryException error = assertThrows(GantryException.class,
                    () -> ModelFiles.stage(disk, "m", Map.of("1/model.pt", new byte[2 << 20])));
            assertEquals(ErrorKind.INSUFFICIENT_STORAGE, error.kind());
            assertEquals(507, error.kind().httpStatus());
            assertTrue(error.getMessage().contains("disk"), error.getMessage());
            try (Stream<Path> left = Files.list(disk)) {
                assertEquals(0, left.count());
            }
        } finally {
            run("umount", disk.toString());
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
