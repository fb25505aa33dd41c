package org.gantry.deployer.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;

/**
 * Unpacks a model archive ({@code .zip}, {@code .tar.gz}, {@code .tgz}) into a folder, refusing anything that
 * could write elsewhere or exhaust the disk: absolute paths, {@code ..} segments, links, more entries or bytes
 * than allowed (counted as they are written, not as the archive claims).
 */
final class ArchiveExtractor {

    /** Why an archive was refused. */
    static final class UnsafeArchiveException extends IOException {
        private static final long serialVersionUID = 1L;

        UnsafeArchiveException(String message) {
            super(message);
        }
    }

    private ArchiveExtractor() {
    }

    static boolean isArchive(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        return name.endsWith(".zip") || name.endsWith(".tar.gz") || name.endsWith(".tgz");
    }

    /** The model name an archive deploys: its file name without the archive extension. */
    static String modelName(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        int cut = lower.endsWith(".tar.gz") ? 7 : lower.endsWith(".tgz") || lower.endsWith(".zip") ? 4 : 0;
        return fileName.substring(0, fileName.length() - cut);
    }

    static void extract(Path archive, Path into, long maxBytes, int maxEntries) throws IOException {
        Files.createDirectories(into);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
                ArchiveInputStream<? extends ArchiveEntry> entries = open(archive, raw)) {
            long written = 0;
            int count = 0;
            ArchiveEntry entry;
            byte[] buffer = new byte[64 * 1024];
            while ((entry = entries.getNextEntry()) != null) {
                if (++count > maxEntries) {
                    throw new UnsafeArchiveException("more than " + maxEntries + " entries");
                }
                if (entry instanceof TarArchiveEntry tar && (tar.isSymbolicLink() || tar.isLink()
                        || !(tar.isFile() || tar.isDirectory()))) {
                    throw new UnsafeArchiveException("entry '" + entry.getName() + "' is a link or a special file");
                }
                if (entry instanceof ZipArchiveEntry zip && zip.isUnixSymlink()) {
                    throw new UnsafeArchiveException("entry '" + entry.getName() + "' is a link");
                }
                Path target = inside(into, entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                    int read;
                    while ((read = entries.read(buffer)) != -1) {
                        written += read;
                        if (written > maxBytes) {
                            throw new UnsafeArchiveException("it expands to more than " + maxBytes + " bytes");
                        }
                        out.write(buffer, 0, read);
                    }
                }
            }
        }
    }

    private static ArchiveInputStream<? extends ArchiveEntry> open(Path archive, InputStream raw) throws IOException {
        String name = archive.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".zip") ? new ZipArchiveInputStream(raw)
                : new TarArchiveInputStream(new GZIPInputStream(raw));
    }

    /** The path of an entry inside {@code folder}, refusing names that are absolute or climb out. */
    static Path inside(Path folder, String entryName) throws UnsafeArchiveException {
        if (entryName.isEmpty() || entryName.startsWith("/") || entryName.contains("\\") || entryName.contains("\0")
                || entryName.matches("^[A-Za-z]:.*")) {
            throw new UnsafeArchiveException("entry '" + entryName + "' has an absolute or invalid path");
        }
        for (String segment : entryName.split("/")) {
            if (segment.equals("..")) {
                throw new UnsafeArchiveException("entry '" + entryName + "' climbs out of the archive's folder");
            }
        }
        try {
            Path target = folder.resolve(entryName).normalize();
            if (!target.startsWith(folder)) {
                throw new UnsafeArchiveException("entry '" + entryName + "' lies outside the archive's folder");
            }
            return target;
        } catch (InvalidPathException e) {
            throw new UnsafeArchiveException("entry '" + entryName + "' has an invalid path: " + e.getReason());
        }
    }
}
