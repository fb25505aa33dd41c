package org.gantry.traffic.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One model's open capture file, {@code capture-<time>-<n>.jsonl}, and beside it {@code capture-<time>-<n>.bin},
 * which holds the tensors too large to be inline, one after the other; a record names the file, the offset and the
 * length of each. One binary file per record file keeps file creation off the writer's path, and a file and its
 * tensors share a stem, so they are deleted together.
 */
final class CaptureFile implements AutoCloseable {

    private final Path folder;
    private final String stem;
    private final OutputStream out;
    private final long openedNanos;
    private final List<Path> files = new ArrayList<>();
    private OutputStream tensors;
    private long tensorBytes;
    private long bytes;

    CaptureFile(Path folder, String stem, long openedNanos) throws IOException {
        this.folder = Files.createDirectories(folder);
        this.stem = stem;
        Path lines = folder.resolve(stem + ".jsonl");
        this.out = new BufferedOutputStream(Files.newOutputStream(lines), 1 << 16);
        this.openedNanos = openedNanos;
        files.add(lines);
    }

    /** Writes one record, its large tensors already written with {@link #tensor}. */
    void append(String line) throws IOException {
        byte[] encoded = (line + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(encoded);
        bytes += encoded.length;
    }

    /** Appends a tensor's bytes to the binary file and says where they are; they count towards this file's bytes. */
    CaptureJson.Placement tensor(ByteBuffer data) throws IOException {
        if (tensors == null) {
            Path file = folder.resolve(stem + ".bin");
            tensors = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
            files.add(file);
        }
        ByteBuffer view = data.duplicate();
        int length = view.remaining();
        if (view.hasArray()) {
            tensors.write(view.array(), view.arrayOffset() + view.position(), length);
        } else {
            byte[] copy = new byte[length];
            view.get(copy);
            tensors.write(copy);
        }
        CaptureJson.Placement placement = new CaptureJson.Placement(stem + ".bin", tensorBytes, length);
        tensorBytes += length;
        bytes += length;
        return placement;
    }

    void flush() throws IOException {
        if (tensors != null) {
            tensors.flush();
        }
        out.flush();
    }

    long bytes() {
        return bytes;
    }

    long ageNanos(long now) {
        return now - openedNanos;
    }

    /** The record file and its binary file. */
    List<Path> files() {
        return List.copyOf(files);
    }

    @Override
    public void close() throws IOException {
        try (out) {
            if (tensors != null) {
                tensors.close();
            }
        }
    }
}
