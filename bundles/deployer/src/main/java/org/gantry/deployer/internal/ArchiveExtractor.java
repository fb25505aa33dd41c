package org.gantry.deployer.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Unpacks a model archive ({@code .zip}, {@code .tar.gz}, {@code .tgz}) into a folder, refusing anything that
 * could write elsewhere or exhaust the disk: absolute paths, {@code ..} segments, links, FIFOs and devices, more
 * entries or bytes than allowed (counted as they are written, not as the archive claims).
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
        if (archive.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) {
            extractZip(archive, into, maxBytes, maxEntries);
        } else {
            extractTarGz(archive, into, maxBytes, maxEntries);
        }
    }

    /**
     * Zips are read through their central directory rather than streamed: only the central directory holds an
     * entry's Unix mode, which is what marks a symbolic link.
     */
    private static void extractZip(Path archive, Path into, long maxBytes, int maxEntries) throws IOException {
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            long[] written = { 0 };
            int count = 0;
            for (ZipArchiveEntry entry : Collections.list(zip.getEntries())) {
                if (++count > maxEntries) {
                    throw new UnsafeArchiveException("more than " + maxEntries + " entries");
                }
                Path target = checked(into, entry);
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                try (InputStream content = zip.getInputStream(entry)) {
                    write(content, target, written, maxBytes);
                }
            }
        }
    }

    private static void extractTarGz(Path archive, Path into, long maxBytes, int maxEntries) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(
                new BufferedInputStream(Files.newInputStream(archive))))) {
            long[] written = { 0 };
            int count = 0;
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (++count > maxEntries) {
                    throw new UnsafeArchiveException("more than " + maxEntries + " entries");
                }
                Path target = checked(into, entry);
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                write(tar, target, written, maxBytes);
            }
        }
    }

    /** The entry's path inside {@code into}, if it is a plain file or folder there. */
    private static Path checked(Path into, ArchiveEntry entry) throws UnsafeArchiveException {
        String kind = EntryKinds.notFileOrFolder(entry).orElse(null);
        if (kind != null) {
            throw new UnsafeArchiveException("entry '" + entry.getName() + "' is " + kind
                    + "; a model archive holds only files and folders");
        }
        return inside(into, entry.getName());
    }

    private static void write(InputStream content, Path target, long[] written, long maxBytes) throws IOException {
        Files.createDirectories(target.getParent());
        try (OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = content.read(buffer)) != -1) {
                written[0] += read;
                if (written[0] > maxBytes) {
                    throw new UnsafeArchiveException("it expands to more than " + maxBytes + " bytes");
                }
                out.write(buffer, 0, read);
            }
        }
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
