package org.gantry.traffic.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One model's open capture file, {@code capture-<time>-<n>.jsonl}, and the binary tensor files beside it,
 * {@code capture-<time>-<n>.<record>.<inputs|outputs>.<index>.bin}: a file and its tensors share a stem, so they are
 * deleted together.
 */
final class CaptureFile implements AutoCloseable {

    private final String stem;
    private final Path folder;
    private final OutputStream out;
    private final long openedNanos;
    private final List<Path> files = new ArrayList<>();
    private long bytes;
    private long records;

    CaptureFile(Path folder, String stem, long openedNanos) throws IOException {
        this.folder = Files.createDirectories(folder);
        this.stem = stem;
        Path lines = folder.resolve(stem + ".jsonl");
        this.out = new BufferedOutputStream(Files.newOutputStream(lines), 1 << 16);
        this.openedNanos = openedNanos;
        files.add(lines);
    }

    /** Writes one record, its large tensors already written with {@link #tensor}; returns the bytes written. */
    long append(String line) throws IOException {
        byte[] encoded = (line + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(encoded);
        bytes += encoded.length;
        records++;
        return encoded.length;
    }

    /** Writes a tensor's bytes to a file of its own and returns its name; the bytes count towards this file's. */
    String tensor(String side, int index, ByteBuffer data) throws IOException {
        String name = stem + "." + records + "." + side + "." + index + ".bin";
        Path file = folder.resolve(name);
        try (WritableByteChannel channel = Channels.newChannel(Files.newOutputStream(file))) {
            ByteBuffer view = data.duplicate();
            while (view.hasRemaining()) {
                bytes += channel.write(view);
            }
        }
        files.add(file);
        return name;
    }

    void flush() throws IOException {
        out.flush();
    }

    long bytes() {
        return bytes;
    }

    long ageNanos(long now) {
        return now - openedNanos;
    }

    /** The record file and its tensor files. */
    List<Path> files() {
        return List.copyOf(files);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
