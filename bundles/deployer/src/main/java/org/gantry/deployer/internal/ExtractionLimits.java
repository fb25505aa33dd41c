package org.gantry.deployer.internal;

/**
 * How far an archive may expand; {@link DeployerConfig} says why each limit exists.
 *
 * @param maxBytes                  the most bytes an archive may unpack to
 * @param maxEntries                the most entries it may hold
 * @param keepFreeBytes             free space to leave on the unpack folder's file system
 * @param maxCompressionRatio       how many times its compressed size an entry, or the archive, may expand to
 * @param compressionRatioFromBytes the size from which the compression ratio applies
 */
record ExtractionLimits(long maxBytes, int maxEntries, long keepFreeBytes, int maxCompressionRatio,
        long compressionRatioFromBytes) {

    static ExtractionLimits of(DeployerConfig config) {
        return new ExtractionLimits(config.maxBytes(), config.maxEntries(), config.keepFreeBytes(),
                config.maxCompressionRatio(), config.compressionRatioFromBytes());
    }
}
