package org.gantry.deployer.internal;

import java.util.Optional;

import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;

/**
 * Which archive entries are something other than a plain file or folder: links could make a later entry, or the
 * server reading the model, reach outside the model's folder, and FIFOs and devices have no place in a model.
 */
final class EntryKinds {

    /** The file type bits of a Unix mode ({@code S_IFMT}) and the types a zip entry's mode may name. */
    private static final int TYPE_MASK = 0170000;
    private static final int REGULAR_FILE = 0100000;
    private static final int DIRECTORY = 0040000;
    private static final int SYMBOLIC_LINK = 0120000;
    private static final int FIFO = 0010000;
    private static final int CHARACTER_DEVICE = 0020000;
    private static final int BLOCK_DEVICE = 0060000;
    private static final int SOCKET = 0140000;

    private EntryKinds() {
    }

    /** What the entry is, as in "entry 'x' is a FIFO", where it is not a plain file or folder. */
    static Optional<String> notFileOrFolder(ArchiveEntry entry) {
        if (entry instanceof TarArchiveEntry tar) {
            return tar(tar);
        }
        if (entry instanceof ZipArchiveEntry zip) {
            return zip(zip);
        }
        return Optional.empty();
    }

    private static Optional<String> tar(TarArchiveEntry entry) {
        if (entry.isSymbolicLink()) {
            return Optional.of("a symbolic link");
        }
        if (entry.isLink()) {
            return Optional.of("a hard link");
        }
        if (entry.isFIFO()) {
            return Optional.of("a FIFO");
        }
        if (entry.isCharacterDevice()) {
            return Optional.of("a character device");
        }
        if (entry.isBlockDevice()) {
            return Optional.of("a block device");
        }
        if (entry.isDirectory()) {
            return Optional.empty();
        }
        // isFile() holds for type flags it does not know, and for FIFOs and devices: list the plain file flags.
        byte type = entry.getLinkFlag();
        return type == TarArchiveEntry.LF_NORMAL || type == TarArchiveEntry.LF_OLDNORM
                || type == TarArchiveEntry.LF_CONTIG ? Optional.empty()
                        : Optional.of("of tar type '" + (char) type + "'");
    }

    /** A zip entry's type is in the Unix mode of its central directory record, where the archiver was on Unix. */
    private static Optional<String> zip(ZipArchiveEntry entry) {
        int type = entry.getUnixMode() & TYPE_MASK;
        return switch (type) {
            case 0, REGULAR_FILE, DIRECTORY -> Optional.empty();
            case SYMBOLIC_LINK -> Optional.of("a symbolic link");
            case FIFO -> Optional.of("a FIFO");
            case CHARACTER_DEVICE -> Optional.of("a character device");
            case BLOCK_DEVICE -> Optional.of("a block device");
            case SOCKET -> Optional.of("a socket");
            default -> Optional.of("of Unix type 0" + Integer.toOctalString(type));
        };
    }
}
