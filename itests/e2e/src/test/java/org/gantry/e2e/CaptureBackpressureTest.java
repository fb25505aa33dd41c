package org.gantry.e2e;

import static org.gantry.e2e.SafeUpdateModels.awaitTraffic;
import static org.gantry.e2e.SafeUpdateModels.median;
import static org.gantry.e2e.SafeUpdateModels.output;
import static org.gantry.e2e.SafeUpdateModels.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.gantry.e2e.KarafServer.Reply;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A capture writer slowed on purpose, with the documented write-rate limit ({@code maxWriteBytesPerSecond}) at 4 KiB/s
 * and a 16 KiB queue: each record takes the writer about a second, so if the request path waited for the writer a
 * request would take that long. It does not: a captured model answers as fast as its uncaptured twin, alternating in
 * the same run, and the exchanges the writer cannot take are dropped and counted.
 */
class CaptureBackpressureTest {

    private static final long WRITE_RATE = 4096;
    private static final Pattern DROPPED = Pattern
            .compile("gantry_capture_exchanges_total\\{model=\"throttled\",outcome=\"dropped\"} (\\S+)");

    @AutoClose
    private static KarafServer server;

    @BeforeAll
    static void start() throws IOException {
        server = KarafServer.in("backpressure").writtenModels(models -> {
            SafeUpdateModels.write(models, "throttled", Map.of("capture", "true"), 1);
            SafeUpdateModels.write(models, "untouched", Map.of(), 1);
        }).etcEdited("org.gantry.capture.cfg", capture -> capture
                .replace("maxWriteBytesPerSecond = 0", "maxWriteBytesPerSecond = " + WRITE_RATE)
                .replace("maxQueueBytes = 67108864", "maxQueueBytes = 16384")).start();
    }

    private static long timedInference(String model, float[] x) throws IOException {
        long started = System.nanoTime();
        Reply reply = server.exchange("POST", "/v2/models/" + model + "/infer", request(null, x, Map.of()),
                Map.of("Content-Type", "application/json"));
        long took = System.nanoTime() - started;
        output(reply);
        return took;
    }

    @Test
    void aSlowCaptureWriterLeavesRequestLatencyUnchangedAndCountsWhatItDrops() throws Exception {
        float[] x = new float[512];
        for (int i = 0; i < x.length; i++) {
            x[i] = i / 512f;
        }
        for (int warmUp = 0; warmUp < 20; warmUp++) {
            timedInference("untouched", x);
            timedInference("throttled", x);
        }
        List<Long> untouched = new ArrayList<>();
        List<Long> throttled = new ArrayList<>();
        int rounds = 200;
        for (int round = 0; round < rounds; round++) {
            untouched.add(timedInference("untouched", x));
            throttled.add(timedInference("throttled", x));
        }
        long untouchedMedian = median(untouched);
        long throttledMedian = median(throttled);
        System.out.printf("median latency: untouched %.3f ms, captured behind a %d B/s writer %.3f ms%n",
                untouchedMedian / 1e6, WRITE_RATE, throttledMedian / 1e6);
        // A record of 2 KiB in and 2 KiB out takes the writer over a second at 4 KiB/s: a request that waited for it
        // would take that long. The bound leaves room for noise only.
        assertTrue(throttledMedian < 2 * untouchedMedian + 20_000_000L, "captured median " + throttledMedian
                + " ns against " + untouchedMedian + " ns uncaptured");

        JsonNode capture = awaitTraffic(server, "throttled", Map.of(), s -> s.has("capture")).get("capture");
        long sampled = capture.get("sampled").asLong();
        long dropped = capture.get("dropped").asLong();
        long written = capture.get("written").asLong();
        assertEquals(rounds + 20, sampled, capture.toString());
        assertTrue(dropped > rounds / 2, "most exchanges were dropped: " + capture);
        assertTrue(written + dropped <= sampled, capture.toString());
        String metrics = server.call("GET", "/metrics", null).body();
        Matcher counted = DROPPED.matcher(metrics);
        assertTrue(counted.find(), metrics);
        assertTrue(Double.parseDouble(counted.group(1)) >= dropped, "the metric counts the drops: " + counted.group());
        Path folder = server.home().resolve("data/gantry/capture/throttled");
        try (Stream<Path> files = Files.list(folder)) {
            assertTrue(files.anyMatch(f -> f.toString().endsWith(".jsonl")), "the writer still writes, at its rate");
        }
    }
}
