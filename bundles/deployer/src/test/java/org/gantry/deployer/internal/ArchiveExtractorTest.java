package org.gantry.deployer.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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

    @TempDir
    Path work;

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

    private static Map<String, byte[]> model() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("config.pbtxt", "platform: \"pytorch_libtorch\"\n".getBytes(StandardCharsets.UTF_8));
        entries.put("1/model.pt", new byte[] { 1, 2, 3 });
        return entries;
    }

    @Test
    void aModelArchiveUnpacksIntoItsFolder() throws IOException {
        Path into = work.resolve("out/m");
        ArchiveExtractor.extract(zip("m.zip", model()), into, 1 << 20, 100);

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
                    () -> ArchiveExtractor.extract(archive, into, 1 << 20, 100), evil);
            assertFalse(Files.exists(work.resolve("out/evil.txt")), evil);
            assertFalse(Files.exists(work.resolve("evil.txt")), evil);
        }
    }

    @Test
    void bombsAndFloodsAreRefusedByWhatTheyWriteNotWhatTheyClaim() throws IOException {
        Map<String, byte[]> bomb = model();
        bomb.put("1/zeros.bin", new byte[1 << 20]); // compresses to almost nothing
        ArchiveExtractor.UnsafeArchiveException tooBig = assertThrows(ArchiveExtractor.UnsafeArchiveException.class,
                () -> ArchiveExtractor.extract(zip("bomb.zip", bomb), work.resolve("out/bomb"), 100_000, 100));
        assertTrue(tooBig.getMessage().contains("100000 bytes"), tooBig.getMessage());

        Map<String, byte[]> flood = model();
        for (int i = 0; i < 20; i++) {
            flood.put("1/f" + i, new byte[1]);
        }
        assertThrows(ArchiveExtractor.UnsafeArchiveException.class,
                () -> ArchiveExtractor.extract(zip("flood.zip", flood), work.resolve("out/flood"), 1 << 20, 10));
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

        ArchiveExtractor.UnsafeArchiveException refused = assertThrows(ArchiveExtractor.UnsafeArchiveException.class,
                () -> ArchiveExtractor.extract(archive, work.resolve("out/linked"), 1 << 20, 100));

        assertEquals("entry '1/model.pt' is a symbolic link; a model archive holds only files and folders",
                refused.getMessage());
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
            Path archive = work.resolve("special.tar.gz");
            try (OutputStream file = Files.newOutputStream(archive);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(file))) {
                byte[] config = "platform: \"x\"\n".getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry("config.pbtxt");
                entry.setSize(config.length);
                tar.putArchiveEntry(entry);
                tar.write(config);
                tar.closeArchiveEntry();
                TarArchiveEntry special = new TarArchiveEntry("1/model.pt", kind.getKey());
                if (special.isSymbolicLink() || special.isLink()) {
                    special.setLinkName("/etc/passwd");
                }
                tar.putArchiveEntry(special);
                tar.closeArchiveEntry();
            }

            ArchiveExtractor.UnsafeArchiveException refused = assertThrows(
                    ArchiveExtractor.UnsafeArchiveException.class,
                    () -> ArchiveExtractor.extract(archive, work.resolve("out/special"), 1 << 20, 100));

            assertEquals("entry '1/model.pt' is " + kind.getValue() + "; a model archive holds only files and"
                    + " folders", refused.getMessage());
        }
    }
}
