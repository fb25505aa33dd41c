package org.gantry.deployer.internal;

import java.util.function.LongSupplier;

/**
 * Counts what an archive expands to while it is written and refuses the next chunk the moment it would pass a
 * limit, so no more than the limit ever reaches the disk: the entry count, the byte limit (the lower of
 * {@code maxBytes} and the free disk space less {@code keepFreeBytes}), and the compression ratio of each entry
 * whose compressed size is known (zip) and of the archive as a whole (the bytes read from it so far).
 */
final class ExpansionGuard {

    private final ExtractionLimits limits;
    private final long byteLimit;
    private final String byteLimitSource;
    private final LongSupplier compressedBytesRead;

    private int entries;
    private String entryName = "";
    private long entryCompressedSize = -1;
    private long entryWritten;
    private long written;

    /**
     * @param byteLimit           the most bytes the archive may write
     * @param byteLimitSource     what sets {@code byteLimit}, as the refusal's message ends: " (maxBytes)"
     * @param compressedBytesRead how many bytes of the archive file have been read so far
     */
    ExpansionGuard(ExtractionLimits limits, long byteLimit, String byteLimitSource, LongSupplier compressedBytesRead) {
        this.limits = limits;
        this.byteLimit = byteLimit;
        this.byteLimitSource = byteLimitSource;
        this.compressedBytesRead = compressedBytesRead;
    }

    /**
     * Starts the next entry.
     *
     * @param compressedSize its size in the archive, or -1 where the format does not say (a tar in a gzip stream)
     */
    void startEntry(String name, long compressedSize) throws ArchiveExtractor.UnsafeArchiveException {
        if (++entries > limits.maxEntries()) {
            throw new ArchiveExtractor.UnsafeArchiveException("it holds more than " + limits.maxEntries()
                    + " entries (maxEntries)");
        }
        entryName = name;
        entryCompressedSize = compressedSize;
        entryWritten = 0;
    }

    /** Admits {@code bytes} more of the current entry, or refuses the archive if they would pass a limit. */
    void admit(int bytes) throws ArchiveExtractor.UnsafeArchiveException {
        long entryAfter = entryWritten + bytes;
        long after = written + bytes;
        if (after > byteLimit) {
            throw new ArchiveExtractor.UnsafeArchiveException("it expands to more than " + byteLimit + " bytes"
                    + byteLimitSource);
        }
        if (entryCompressedSize >= 0 && exceedsRatio(entryAfter, entryCompressedSize)) {
            throw new ArchiveExtractor.UnsafeArchiveException("entry '" + entryName + "' expands to more than "
                    + limits.maxCompressionRatio() + " times its compressed size (maxCompressionRatio)");
        }
        if (exceedsRatio(after, compressedBytesRead.getAsLong())) {
            throw new ArchiveExtractor.UnsafeArchiveException("it expands to more than "
                    + limits.maxCompressionRatio() + " times the compressed bytes read (maxCompressionRatio), in"
                    + " entry '" + entryName + "'");
        }
        entryWritten = entryAfter;
        written = after;
    }

    private boolean exceedsRatio(long expanded, long compressed) {
        return expanded > limits.compressionRatioFromBytes()
                && expanded / (double) limits.maxCompressionRatio() > compressed;
    }
}
