package org.gantry.traffic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.tensor.Tensor;
import org.gantry.api.traffic.Exchange;
import org.gantry.test.support.TestTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureWriterTest {

    @TempDir
    Path folder;

    /** The configuration with some settings changed; the rest at their defaults. */
    private static CaptureConfig config(long maxQueueBytes, long maxFileBytes, long bytesPerSecond) {
        return new CaptureConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return CaptureConfig.class;
            }

            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public double samplePercent() {
                return 100;
            }

            @Override
            public String directory() {
                return "";
            }

            @Override
            public int inlineTensorBytes() {
                return 64;
            }

            @Override
            public long maxQueueBytes() {
                return maxQueueBytes;
            }

            @Override
            public long maxFileBytes() {
                return maxFileBytes;
            }

            @Override
            public int maxFileAgeSeconds() {
                return 3600;
            }

            @Override
            public long maxTotalBytes() {
                return 1L << 30;
            }

            @Override
            public long maxWriteBytesPerSecond() {
                return bytesPerSecond;
            }

            @Override
            public String[] capturedParameters() {
                return new String[] { "tenant, routing_key" };
            }
        };
    }

    private static Exchange exchange(String id, int elements) {
        float[] values = new float[elements];
        for (int i = 0; i < elements; i++) {
            values[i] = i + 0.25f;
        }
        Tensor x = TestTensors.fp32("x", new long[] { elements }, values);
        InferenceRequest request = new InferenceRequest(id, Map.of("tenant", "t1", "password", "hunter2"),
                List.of(x), List.of());
        return new Exchange("m/odd name", "3", false, request,
                new InferenceResponse("m/odd name", "3", id, Map.of(), List.of(x.withName("y"))), 1_000, 42_000);
    }

    private static void awaitWritten(CaptureTally tally, long records) throws InterruptedException {
        for (int i = 0; i < 200 && tally.written.sum() + tally.dropped.sum() < records; i++) {
            Thread.sleep(20);
        }
    }

    private List<String> lines() throws IOException {
        try (Stream<Path> files = Files.list(folder.resolve("m_odd_name"))) {
            return files.filter(f -> f.toString().endsWith(".jsonl")).sorted().flatMap(f -> {
                try {
                    return Files.readAllLines(f).stream();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    @Test
    void recordsHoldSmallTensorsInlineAndLargeOnesInTheBinaryFileOnlyAllowedParameters() throws Exception {
        CaptureTally tally = new CaptureTally();
        try (CaptureWriter writer = new CaptureWriter(folder, config(1 << 20, 1 << 20, 0))) {
            writer.offer(exchange("small", 4), tally);
            writer.offer(exchange("large", 100), tally);
            awaitWritten(tally, 2);
        }
        assertEquals(2, tally.written.sum());
        List<String> lines = lines();
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("\"id\":\"small\"") && lines.get(0).contains("\"data\":[0.25,1.25,2.25,3.25]"),
                lines.get(0));
        assertTrue(lines.get(0).contains("\"parameters\":{\"tenant\":\"t1\"}"), lines.get(0));
        assertFalse(String.join("", lines).contains("hunter2"));
        assertTrue(lines.get(1).contains("\"data_offset\":0,\"data_bytes\":400")
                && lines.get(1).contains("\"data_offset\":400,\"data_bytes\":400"), lines.get(1));
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() throws Exception {
        CaptureTally tally = new CaptureTally();
        // 2 KiB per second: each record of 2 × 4 KiB takes the writer four seconds; the queue holds two.
        try (CaptureWriter writer = new CaptureWriter(folder, config(20_000, 1 << 20, 2048))) {
            long started = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                writer.offer(exchange("r" + i, 1024), tally);
            }
            long took = System.nanoTime() - started;
            assertTrue(took < 2_000_000_000L, "offering never waits for the writer: " + took + " ns");
            assertTrue(tally.dropped.sum() >= 45, tally.dropped.sum() + " dropped");
        }
    }

    @Test
    void aFileIsRotatedOnceItReachesItsSize() throws Exception {
        CaptureTally tally = new CaptureTally();
        try (CaptureWriter writer = new CaptureWriter(folder, config(1 << 20, 300, 0))) {
            for (int i = 0; i < 6; i++) {
                writer.offer(exchange("r" + i, 4), tally);
                awaitWritten(tally, i + 1);
            }
        }
        try (Stream<Path> files = Files.list(folder.resolve("m_odd_name"))) {
            assertTrue(files.filter(f -> f.toString().endsWith(".jsonl")).count() >= 2);
        }
        assertEquals(6, lines().size());
    }
}
