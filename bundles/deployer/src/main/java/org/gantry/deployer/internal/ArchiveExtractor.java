package org.gantry.deployer.internal;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.io.file.PathUtils;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * Unpacks a model archive ({@code .zip}, {@code .tar.gz}, {@code .tgz}) into a folder, refusing anything that
 * could write elsewhere or exhaust the disk: absolute paths, {@code ..} segments, links, FIFOs and devices, more
 * entries or bytes than allowed, and bombs that expand far beyond their compressed size. Bytes are counted as they
 * are written, not as the archive claims, and unpacking stops before a limit is passed. Whatever fails, nothing of
 * the archive stays on disk.
 */
final class ArchiveExtractor {

    /** Why an archive was refused. */
    static final class UnsafeArchiveException extends IOException {
        private static final long serialVersionUID = 1L;

        UnsafeArchiveException(String message) {
            super(message);
        }
    }

    /** The space a file system has left for new files; a seam for tests, which cannot fill a real disk. */
    @FunctionalInterface
    interface FreeSpace {
        long usableBytes(Path folder) throws IOException;
    }

    private static final int BUFFER_SIZE = 64 * 1024;

    private final ExtractionLimits limits;
    private final FreeSpace freeSpace;

    ArchiveExtractor(ExtractionLimits limits) {
        this(limits, folder -> Files.getFileStore(folder).getUsableSpace());
    }

    ArchiveExtractor(ExtractionLimits limits, FreeSpace freeSpace) {
        this.limits = limits;
        this.freeSpace = freeSpace;
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

    /**
     * Unpacks {@code archive} into the new folder {@code into}. If anything fails, {@code into} is deleted with all
     * that was unpacked so far, and the exception's message (never null) says why.
     *
     * @throws UnsafeArchiveException where the archive is refused for a limit or an entry it must not hold
     * @throws IOException            where it cannot be read or written
     */
    void extract(Path archive, Path into) throws IOException {
        Files.createDirectories(into);
        try {
            int files = archive.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")
                    ? extractZip(archive, into) : extractTarGz(archive, into);
            if (files == 0) {
                throw new UnsafeArchiveException("the archive holds no model files");
            }
        } catch (IOException | RuntimeException e) {
            try {
                PathUtils.deleteDirectory(into);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw asIOException(e);
        }
    }

    /**
     * Zips are read through their central directory rather than streamed: only the central directory holds an
     * entry's Unix mode, which is what marks a symbolic link.
     */
    private int extractZip(Path archive, Path into) throws IOException {
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            // Entries of a zip may share compressed bytes (a bomb's trick), so the whole archive is held to the ratio
            // against its size on disk, and each entry against its own compressed size.
            long archiveSize = Files.size(archive);
            ExpansionGuard guard = guard(into, () -> archiveSize);
            int files = 0;
            for (ZipArchiveEntry entry : Collections.list(zip.getEntries())) {
                guard.startEntry(entry.getName(), entry.getCompressedSize());
                Path target = checked(into, entry);
                if (!zip.canReadEntryData(entry)) {
                    throw new UnsafeArchiveException("entry '" + entry.getName() + "' is encrypted or uses a"
                            + " compression method that cannot be read");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                try (InputStream content = zip.getInputStream(entry)) {
                    write(content, target, guard);
                }
                files++;
            }
            return files;
        }
    }

    private int extractTarGz(Path archive, Path into) throws IOException {
        // Counted below the buffers, so read-ahead makes the ratio look lower, never higher, than it is.
        try (BoundedInputStream compressed = BoundedInputStream.builder().setPath(archive).get();
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(
                        new BufferedInputStream(compressed, BUFFER_SIZE), BUFFER_SIZE))) {
            ExpansionGuard guard = guard(into, compressed::getCount);
            int files = 0;
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                guard.startEntry(entry.getName(), -1);
                Path target = checked(into, entry);
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                write(tar, target, guard);
                files++;
            }
            return files;
        }
    }

    /** The guard for this extraction: its byte limit is the lower of maxBytes and the free space to spare. */
    private ExpansionGuard guard(Path into, LongSupplier compressedBytesRead) throws IOException {
        long usable = freeSpace.usableBytes(into);
        long spare = usable - limits.keepFreeBytes();
        if (spare <= 0) {
            throw new UnsafeArchiveException("the file system of " + into + " has " + usable + " bytes free, less"
                    + " than keepFreeBytes (" + limits.keepFreeBytes() + ")");
        }
        return spare < limits.maxBytes()
                ? new ExpansionGuard(limits, spare, ", what the file system of " + into + " has free beyond"
                        + " keepFreeBytes (" + limits.keepFreeBytes() + ")", compressedBytesRead)
                : new ExpansionGuard(limits, limits.maxBytes(), " (maxBytes)", compressedBytesRead);
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

    private static void write(InputStream content, Path target, ExpansionGuard guard) throws IOException {
        Files.createDirectories(target.getParent());
        try (OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[BUFFER_SIZE];
            int read;
            while ((read = content.read(buffer)) != -1) {
                guard.admit(read);
                out.write(buffer, 0, read);
            }
        }
    }

    /** The failure as an IOException whose message says what went wrong, never null. */
    private static IOException asIOException(Exception e) {
        if (e instanceof EOFException) {
            return new IOException("the archive is empty or cut short", e);
        }
        if (e instanceof IOException io && io.getMessage() != null) {
            return io;
        }
        return new IOException("the archive cannot be read: " + Objects.requireNonNullElse(e.getMessage(),
                e.getClass().getSimpleName()), e);
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
