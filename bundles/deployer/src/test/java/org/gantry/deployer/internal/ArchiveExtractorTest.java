package org.gantry.deployer.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveExtractorTest {

    private static final long MIB = 1024 * 1024;
    private static final byte[] ZEROS = new byte[(int) MIB];
    /** Limits for most tests: small enough to be quick, with room for the bombs to show their ratio. */
    private static final ExtractionLimits LIMITS = new ExtractionLimits(1024 * MIB, 100, 0, 100, MIB);
    private static final ArchiveExtractor.FreeSpace PLENTY_OF_SPACE = folder -> Long.MAX_VALUE;

    @TempDir
    Path work;

    private static ArchiveExtractor extractor(ExtractionLimits limits) {
        return new ArchiveExtractor(limits, PLENTY_OF_SPACE);
    }

    private Path zip(String name, Map<String, byte[]> entries) throws IOException {
        Path archive = work.resolve(name);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(archive))) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
        return archive;
    }

    /** A model archive whose last entry, outside the version folder, is {@code megabytes} of zeros. */
    private Path zipBomb(String name, int megabytes) throws IOException {
        Path archive = work.resolve(name);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(archive))) {
            for (Map.Entry<String, byte[]> entry : model().entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue());
            }
            out.putNextEntry(new ZipEntry("weights/zeros.bin"));
            for (int i = 0; i < megabytes; i++) {
                out.write(ZEROS);
            }
        }
        return archive;
    }

    @FunctionalInterface
    private interface TarWriter {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private Path tarGz(String name, TarWriter writer) throws IOException {
        Path archive = work.resolve(name);
        try (OutputStream file = Files.newOutputStream(archive);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(file))) {
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            writer.write(tar);
        }
        return archive;
    }

    private static void tarFile(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static Map<String, byte[]> model() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("config.pbtxt", "platform: \"pytorch_libtorch\"\n".getBytes(StandardCharsets.UTF_8));
        entries.put("1/model.pt", new byte[] { 1, 2, 3 });
        return entries;
    }

    /** Asserts that nothing of the archive remains anywhere under {@code out/}. */
    private void assertNothingUnpacked() throws IOException {
        Path out = work.resolve("out");
        if (Files.exists(out)) {
            try (Stream<Path> left = Files.walk(out)) {
                assertEquals(List.of(out), left.toList(), "left on disk");
            }
        }
    }

    private ArchiveExtractor.UnsafeArchiveException refused(ArchiveExtractor extractor, Path archive)
            throws IOException {
        ArchiveExtractor.UnsafeArchiveException refusal = assertThrows(ArchiveExtractor.UnsafeArchiveException.class,
                () -> extractor.extract(archive, work.resolve("out/m")));
        assertNotNull(refusal.getMessage());
        assertNothingUnpacked();
        return refusal;
    }

    @Test
    void aModelArchiveUnpacksIntoItsFolder() throws IOException {
        Path into = work.resolve("out/m");
        extractor(LIMITS).extract(zip("m.zip", model()), into);

        assertTrue(Files.isRegularFile(into.resolve("config.pbtxt")));
        assertArrayEquals(new byte[] { 1, 2, 3 }, Files.readAllBytes(into.resolve("1/model.pt")));
        assertEquals("customer-7", ArchiveExtractor.modelName("customer-7.tar.gz"));
        assertEquals("m", ArchiveExtractor.modelName("m.zip"));
        assertTrue(ArchiveExtractor.isArchive("a.TGZ") && !ArchiveExtractor.isArchive("a.jar"));
    }

    @Test
    void entriesThatLeaveTheFolderAreRefusedAndNothingIsWrittenOutside() throws IOException {
        for (String evil : new String[] { "../evil.txt", "1/../../evil.txt", "/tmp/evil.txt", "C:evil.txt" }) {
            Map<String, byte[]> entries = model();
            entries.put(evil, "gotcha".getBytes(StandardCharsets.UTF_8));
            Path archive = zip("evil.zip", entries);
            Path into = work.resolve("out/evil");

            assertThrows(ArchiveExtractor.UnsafeArchiveException.class,
                    () -> extractor(LIMITS).extract(archive, into), evil);
            assertFalse(Files.exists(work.resolve("out/evil.txt")), evil);
            assertFalse(Files.exists(work.resolve("evil.txt")), evil);
        }
    }

    @Test
    void archivesLargerThanMaxBytesOrWithMoreThanMaxEntriesAreRefused() throws IOException {
        Map<String, byte[]> large = model();
        large.put("1/weights.bin", new byte[1 << 20]);
        ArchiveExtractor.UnsafeArchiveException tooBig = refused(
                extractor(new ExtractionLimits(100_000, 100, 0, 100, MIB)), zip("large.zip", large));
        assertTrue(tooBig.getMessage().contains("100000 bytes (maxBytes)"), tooBig.getMessage());

        Map<String, byte[]> flood = model();
        for (int i = 0; i < 20; i++) {
            flood.put("1/f" + i, new byte[1]);
        }
        ArchiveExtractor.UnsafeArchiveException tooMany = refused(
                extractor(new ExtractionLimits(MIB, 10, 0, 100, MIB)), zip("flood.zip", flood));
        assertTrue(tooMany.getMessage().contains("more than 10 entries (maxEntries)"), tooMany.getMessage());
    }

    @Test
    void aZipBombIsStoppedByItsCompressionRatioAndWhatItUnpackedOutsideTheVersionFolderIsDeleted()
            throws IOException {
        // 200 MB of zeros in about 200 KB: well within maxBytes, a thousand times its compressed size.
        Path bomb = zipBomb("bomb.zip", 200);

        ArchiveExtractor.UnsafeArchiveException refusal = refused(extractor(LIMITS), bomb);

        assertTrue(refusal.getMessage().contains("entry 'weights/zeros.bin' expands to more than 100 times its"
                + " compressed size (maxCompressionRatio)"), refusal.getMessage());
    }

    @Test
    void aTarGzBombIsStoppedByTheRatioOfTheWholeStream() throws IOException {
        Path bomb = tarGz("bomb.tar.gz", tar -> {
            tarFile(tar, "config.pbtxt", "platform: \"x\"\n".getBytes(StandardCharsets.UTF_8));
            TarArchiveEntry zeros = new TarArchiveEntry("weights/zeros.bin");
            zeros.setSize(64 * MIB);
            tar.putArchiveEntry(zeros);
            for (int i = 0; i < 64; i++) {
                tar.write(ZEROS);
            }
            tar.closeArchiveEntry();
        });

        ArchiveExtractor.UnsafeArchiveException refusal = refused(extractor(LIMITS), bomb);

        assertTrue(refusal.getMessage().contains("expands to more than 100 times the compressed bytes read"
                + " (maxCompressionRatio), in entry 'weights/zeros.bin'"), refusal.getMessage());
    }

    @Test
    void smallFilesThatCompressWellAreNotHeldToTheRatio() throws IOException {
        Map<String, byte[]> entries = model();
        entries.put("1/vocab.txt", new byte[(int) (MIB / 2)]);
        Path into = work.resolve("out/m");

        extractor(LIMITS).extract(zip("vocab.zip", entries), into);

        assertEquals(MIB / 2, Files.size(into.resolve("1/vocab.txt")));
    }

    @Test
    void theUnpackedSizeIsBoundByTheFreeDiskSpaceLessTheMarginToKeep() throws IOException {
        byte[] incompressible = new byte[(int) (3 * MIB)];
        new Random(7).nextBytes(incompressible);
        Map<String, byte[]> entries = model();
        entries.put("1/model.pt", incompressible);
        Path archive = zip("large.zip", entries);
        ExtractionLimits keepOneGigabyte = new ExtractionLimits(1024 * MIB, 100, 1024 * MIB, 100, MIB);

        ArchiveExtractor twoMegabytesToSpare = new ArchiveExtractor(keepOneGigabyte, folder -> 1026 * MIB);
        ArchiveExtractor.UnsafeArchiveException tooBig = refused(twoMegabytesToSpare, archive);
        assertTrue(tooBig.getMessage().contains("more than 2097152 bytes, what the file system of"),
                tooBig.getMessage());
        assertTrue(tooBig.getMessage().contains("has free beyond keepFreeBytes (1073741824)"), tooBig.getMessage());

        ArchiveExtractor full = new ArchiveExtractor(keepOneGigabyte, folder -> 1000 * MIB);
        ArchiveExtractor.UnsafeArchiveException noRoom = refused(full, archive);
        assertTrue(noRoom.getMessage().contains("has 1048576000 bytes free, less than keepFreeBytes (1073741824)"),
                noRoom.getMessage());
    }

    @Test
    void zipSymbolicLinksAreRefusedNamingTheEntry() throws IOException {
        Path archive = work.resolve("linked.zip");
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(archive)) {
            ZipArchiveEntry config = new ZipArchiveEntry("config.pbtxt");
            zip.putArchiveEntry(config);
            zip.write("platform: \"x\"\n".getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
            ZipArchiveEntry link = new ZipArchiveEntry("1/model.pt");
            link.setUnixMode(0120777);
            zip.putArchiveEntry(link);
            zip.write("/etc/passwd".getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
        }

        ArchiveExtractor.UnsafeArchiveException refusal = refused(extractor(LIMITS), archive);

        assertEquals("entry '1/model.pt' is a symbolic link; a model archive holds only files and folders",
                refusal.getMessage());
    }

    @Test
    void tarLinksFifosAndDevicesAreRefusedNamingTheEntry() throws IOException {
        Map<Byte, String> kinds = new LinkedHashMap<>();
        kinds.put(TarArchiveEntry.LF_SYMLINK, "a symbolic link");
        kinds.put(TarArchiveEntry.LF_LINK, "a hard link");
        kinds.put(TarArchiveEntry.LF_FIFO, "a FIFO");
        kinds.put(TarArchiveEntry.LF_CHR, "a character device");
        kinds.put(TarArchiveEntry.LF_BLK, "a block device");
        for (Map.Entry<Byte, String> kind : kinds.entrySet()) {
            Path archive = tarGz("special.tar.gz", tar -> {
                tarFile(tar, "config.pbtxt", "platform: \"x\"\n".getBytes(StandardCharsets.UTF_8));
                TarArchiveEntry special = new TarArchiveEntry("1/model.pt", kind.getKey());
                if (special.isSymbolicLink() || special.isLink()) {
                    special.setLinkName("/etc/passwd");
                }
                tar.putArchiveEntry(special);
                tar.closeArchiveEntry();
            });

            ArchiveExtractor.UnsafeArchiveException refusal = refused(extractor(LIMITS), archive);

            assertEquals("entry '1/model.pt' is " + kind.getValue() + "; a model archive holds only files and"
                    + " folders", refusal.getMessage());
        }
    }

    @Test
    void archivesWithoutFilesAreRefusedWithAReason() throws IOException {
        Path emptyTar = tarGz("empty.tar.gz", tar -> {});
        Path emptyFile = Files.createFile(work.resolve("zero-bytes.tar.gz"));
        Path foldersOnly = zip("folders.zip", Map.of("1/", new byte[0]));
        Path emptyZip = work.resolve("empty.zip");
        new ZipArchiveOutputStream(emptyZip).close();

        for (Path archive : new Path[] { emptyTar, foldersOnly, emptyZip }) {
            assertEquals("the archive holds no model files", refused(extractor(LIMITS), archive).getMessage(),
                    archive.toString());
        }
        IOException truncated = assertThrows(IOException.class,
                () -> extractor(LIMITS).extract(emptyFile, work.resolve("out/m")));
        assertEquals("the archive is empty or cut short", truncated.getMessage());
        assertNothingUnpacked();
    }
}
