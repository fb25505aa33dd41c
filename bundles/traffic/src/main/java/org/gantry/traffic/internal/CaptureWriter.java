package org.gantry.traffic.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.gantry.api.tensor.Tensor;
import org.gantry.api.traffic.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture's one writer thread. The request path only {@link #offer}s an exchange: it is queued while the queued
 * tensor bytes stay under the bound, else dropped and counted, so neither a slow disk nor a write rate limit ever
 * reaches a request. The thread writes each model's records to its open file, flushes whenever the queue runs dry,
 * rotates a file by size and age, deletes the oldest closed files beyond the disk bound and, where a write rate is
 * set, waits between records to keep to it.
 */
final class CaptureWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureWriter.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'");
    /** What a record costs beyond its tensors, for the queue's bound. */
    private static final long RECORD_OVERHEAD = 256;

    private record Pending(Exchange exchange, CaptureTally tally, long bytes) {
    }

    private record Written(CaptureTally tally, long bytes) {
    }

    private final Path directory;
    private final int inlineBytes;
    private final long maxQueueBytes;
    private final long maxFileBytes;
    private final long maxFileAgeNanos;
    private final long maxTotalBytes;
    private final long bytesPerSecond;
    private final Set<String> allowedParameters;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Thread thread;
    // The fields below belong to the writer thread alone.
    private final Map<String, CaptureFile> open = new HashMap<>();
    private final List<Written> unflushed = new ArrayList<>();
    private final Deque<CaptureFile> closed = new ArrayDeque<>();
    private long closedBytes;
    private long sequence;
    private long nextWriteNanos;
    private volatile boolean running = true;

    CaptureWriter(Path directory, CaptureConfig config) {
        this.directory = directory;
        this.inlineBytes = config.inlineTensorBytes();
        this.maxQueueBytes = config.maxQueueBytes();
        this.maxFileBytes = config.maxFileBytes();
        this.maxFileAgeNanos = TimeUnit.SECONDS.toNanos(config.maxFileAgeSeconds());
        this.maxTotalBytes = config.maxTotalBytes();
        this.bytesPerSecond = config.maxWriteBytesPerSecond();
        this.allowedParameters = Arrays.stream(config.capturedParameters())
                .flatMap(names -> Arrays.stream(names.split(",")))
                .map(String::trim).filter(name -> !name.isEmpty()).collect(Collectors.toUnmodifiableSet());
        this.thread = new Thread(this::run, "gantry-capture-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Called on the request's thread: queues the exchange, or drops it when the queue is full. Never blocks. */
    void offer(Exchange exchange, CaptureTally tally) {
        long bytes = RECORD_OVERHEAD + tensorBytes(exchange.request().inputs())
                + tensorBytes(exchange.response().outputs());
        if (queuedBytes.addAndGet(bytes) > maxQueueBytes || !running) {
            queuedBytes.addAndGet(-bytes);
            tally.dropped.increment();
            return;
        }
        queue.add(new Pending(exchange, tally, bytes));
    }

    private static long tensorBytes(List<Tensor> tensors) {
        long bytes = 0;
        for (Tensor tensor : tensors) {
            bytes += tensor.byteSize();
        }
        return bytes;
    }

    private void run() {
        while (running) {
            try {
                Pending next = queue.poll(200, TimeUnit.MILLISECONDS);
                if (next != null) {
                    write(next);
                }
                if (next == null || queue.isEmpty()) {
                    flushAndRotate();
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.warn("Capture writer failed; it goes on with the next record", e);
            }
        }
        queue.forEach(p -> p.tally().dropped.increment());
        queue.clear();
        flushAndRotate();
        for (CaptureFile file : open.values()) {
            closeQuietly(file);
        }
    }

    private void write(Pending pending) {
        queuedBytes.addAndGet(-pending.bytes());
        Exchange exchange = pending.exchange();
        try {
            CaptureFile file = fileFor(exchange.model());
            long before = file.bytes();
            file.append(CaptureJson.record(exchange, allowedParameters, inlineBytes, file::tensor));
            long written = file.bytes() - before;
            unflushed.add(new Written(pending.tally(), written));
            throttle(written);
        } catch (IOException e) {
            pending.tally().dropped.increment();
            LOG.warn("Capture of model '{}' could not be written: {}", exchange.model(), e.toString());
        }
    }

    /** Waits as long as {@code bytes} take at the write rate, so the rate holds on average. */
    private void throttle(long bytes) {
        if (bytesPerSecond <= 0) {
            return;
        }
        long now = System.nanoTime();
        nextWriteNanos = Math.max(nextWriteNanos, now) + bytes * 1_000_000_000L / bytesPerSecond;
        while (running && System.nanoTime() < nextWriteNanos) {
            LockSupport.parkNanos(nextWriteNanos - System.nanoTime());
        }
    }

    private CaptureFile fileFor(String model) throws IOException {
        CaptureFile file = open.get(model);
        if (file != null && (file.bytes() >= maxFileBytes || file.ageNanos(System.nanoTime()) >= maxFileAgeNanos)) {
            rotate(model, file);
            file = null;
        }
        if (file == null) {
            String stem = "capture-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP) + "-" + (++sequence);
            file = new CaptureFile(directory.resolve(folderName(model)), stem, System.nanoTime());
            open.put(model, file);
        }
        return file;
    }

    /** Flushes every open file, counts what it held as written, and closes files past their age. */
    private void flushAndRotate() {
        for (CaptureFile file : open.values()) {
            try {
                file.flush();
            } catch (IOException e) {
                LOG.warn("Capture file could not be flushed: {}", e.toString());
            }
        }
        for (Written written : unflushed) {
            written.tally().written.increment();
            written.tally().bytesWritten.add(written.bytes());
        }
        unflushed.clear();
        long now = System.nanoTime();
        for (Map.Entry<String, CaptureFile> entry : List.copyOf(open.entrySet())) {
            if (entry.getValue().ageNanos(now) >= maxFileAgeNanos) {
                rotate(entry.getKey(), entry.getValue());
            }
        }
    }

    private void rotate(String model, CaptureFile file) {
        open.remove(model);
        closeQuietly(file);
        closed.add(file);
        closedBytes += file.bytes();
        while (closedBytes > maxTotalBytes && !closed.isEmpty()) {
            CaptureFile oldest = closed.removeFirst();
            closedBytes -= oldest.bytes();
            for (Path path : oldest.files()) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warn("Old capture file {} could not be deleted: {}", path, e.toString());
                }
            }
        }
    }

    private static void closeQuietly(CaptureFile file) {
        try {
            file.close();
        } catch (IOException e) {
            LOG.warn("Capture file could not be closed: {}", e.toString());
        }
    }

    /** A model name as a folder name: anything but letters, digits, dot, dash and underscore becomes '_'. */
    static String folderName(String model) {
        String safe = model.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.startsWith(".") ? "_" + safe.substring(1) : safe;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
