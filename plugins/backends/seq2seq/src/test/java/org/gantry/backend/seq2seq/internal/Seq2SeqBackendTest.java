package org.gantry.backend.seq2seq.internal;

import static org.gantry.backend.seq2seq.internal.Fixture.EXPECTED;
import static org.gantry.backend.seq2seq.internal.Fixture.ids;
import static org.gantry.backend.seq2seq.internal.Fixture.longs;
import static org.gantry.backend.seq2seq.internal.Fixture.request;
import static org.gantry.backend.seq2seq.internal.Fixture.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** The backend on DJL's real PyTorch engine and tokenizers, against torch's own outputs for the tiny model. */
class Seq2SeqBackendTest {

    private static final Fixture.CountingMemory MEMORY = new Fixture.CountingMemory();
    private static Seq2SeqModel model;

    @BeforeAll
    static void load() {
        model = Fixture.load(Fixture.backend(), MEMORY, Map.of());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void theTokenizerEncodesAsTheReferenceDid() throws Exception {
        try (var tokenizer = Fixture.TOKENIZERS.open(Fixture.MODEL.resolve("tokenizer.json"),
                Map.of("addSpecialTokens", "false"))) {
            for (JsonNode c : EXPECTED.get("cases")) {
                assertArrayEquals(longs(c.get("input_ids")), tokenizer.encode(c.get("text").asText()).getIds());
            }
        }
    }

    @Test
    void greedyOutputsEqualTorchsTokenForToken() {
        for (JsonNode c : EXPECTED.get("cases")) {
            List<Tensor> outputs = model.infer(request(c.get("text").asText(), Map.of()));
            assertArrayEquals(longs(c.get("greedy")), ids(outputs), c.get("text").asText());
        }
    }

    @Test
    void beamOutputsEqualTorchsTokenForToken() {
        for (JsonNode c : EXPECTED.get("cases")) {
            List<Tensor> outputs = model.infer(request(c.get("text").asText(), Map.of("decoding", "beam",
                    "num_beams", 3L)));
            assertArrayEquals(longs(c.get("beam")), ids(outputs), c.get("text").asText());
        }
    }

    @Test
    void samplingWithASeedIsReproducible() {
        Map<String, Object> seeded = Map.of("decoding", "sampling", "seed", 42L, "temperature", 1.5, "top_k", 50L,
                "top_p", 0.95);
        long[] first = ids(model.infer(request("walk fast", seeded)));
        long[] again = ids(model.infer(request("walk fast", seeded)));
        assertArrayEquals(first, again);
        boolean differs = false;
        for (long seed = 1; seed <= 5 && !differs; seed++) {
            differs = !java.util.Arrays.equals(first, ids(model.infer(request("walk fast", Map.of("decoding",
                    "sampling", "seed", seed, "temperature", 1.5)))));
        }
        assertTrue(differs, "other seeds give other outputs");
        assertFalse(java.util.Arrays.equals(first, longs(EXPECTED.get("cases").get(4).get("greedy"))));
    }

    @Test
    void streamingSendsEachTokenAsItsOwnResponseAndMarksTheLast() {
        JsonNode c = EXPECTED.get("cases").get(0);
        List<String> pieces = new ArrayList<>();
        List<Long> streamedIds = new ArrayList<>();
        List<Boolean> lasts = new ArrayList<>();
        model.inferStream(request(c.get("text").asText(), Map.of()), (outputs, last) -> {
            pieces.add(text(outputs));
            streamedIds.add(ids(outputs)[0]);
            lasts.add(last);
        });
        long[] expected = longs(c.get("greedy"));
        assertEquals(expected.length, pieces.size());
        assertArrayEquals(expected, streamedIds.stream().mapToLong(Long::longValue).toArray());
        for (int i = 0; i < lasts.size(); i++) {
            assertEquals(i == lasts.size() - 1, lasts.get(i));
        }
        String whole = text(model.infer(request(c.get("text").asText(), Map.of())));
        assertEquals(whole, String.join("", pieces));
        assertFalse(whole.isEmpty());
    }

    @Test
    void incrementalTextJoinsWordPiecesAndSpacesWords() throws Exception {
        try (var tokenizer = Fixture.TOKENIZERS.open(Fixture.MODEL.resolve("tokenizer.json"), Map.of())) {
            long[] ids = tokenizer.encode("playing games walked fast").getIds(); // play ##ing game ##s walk ##ed fast
            assertEquals(7, ids.length);
            TextStream stream = new TextStream(i -> tokenizer.decode(i, true), List.of());
            List<String> pieces = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                pieces.add(stream.next(ids[i], i == ids.length - 1));
            }
            assertEquals(List.of("play", "ing", " game", "s", " walk", "ed", " fast"), pieces);
            assertEquals(tokenizer.decode(ids, true), String.join("", pieces));
        }
    }

    @Test
    void aStopStringEndsTheTextBeforeIt() throws Exception {
        try (var tokenizer = Fixture.TOKENIZERS.open(Fixture.MODEL.resolve("tokenizer.json"), Map.of())) {
            long[] ids = tokenizer.encode("the red cat walked fast").getIds();
            TextStream stream = new TextStream(i -> tokenizer.decode(i, true), List.of("cat walk"));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < ids.length && !stream.stopped(); i++) {
                out.append(stream.next(ids[i], i == ids.length - 1));
            }
            assertTrue(stream.stopped());
            assertEquals("the red ", out.toString());
        }
        JsonNode c = EXPECTED.get("cases").get(0);
        String whole = text(model.infer(request(c.get("text").asText(), Map.of())));
        String stop = whole.substring(whole.length() / 2, whole.length() / 2 + 3);
        String cut = text(model.infer(request(c.get("text").asText(), Map.of("stop", stop))));
        assertEquals(whole.substring(0, whole.indexOf(stop)), cut);
    }

    @Test
    void concurrentRequestsAreBatchedPerStepAndEachEqualsItsReference() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            DecodeStatistics.Snapshot before = model.statistics();
            List<Future<long[]>> answers = new ArrayList<>();
            List<long[]> wanted = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                JsonNode c = EXPECTED.get("cases").get(i % EXPECTED.get("cases").size());
                boolean beam = i % 4 == 3;
                wanted.add(longs(c.get(beam ? "beam" : "greedy")));
                Map<String, Object> parameters = beam ? Map.of("decoding", "beam") : Map.of();
                answers.add(pool.submit(() -> ids(model.infer(request(c.get("text").asText(), parameters)))));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertArrayEquals(wanted.get(i), answers.get(i).get(60, TimeUnit.SECONDS), "request " + i);
            }
            DecodeStatistics.Snapshot after = model.statistics();
            assertTrue(after.maxRows() > 1, "some step ran several requests: " + after);
            assertTrue(after.steps() - before.steps() < after.rows() - before.rows(),
                    "fewer steps than rows: " + after);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, MEMORY.inUse.get());
        assertArrayEquals(new long[] { 0, 0 }, model.roomInUse());
    }

    @Test
    void aClientThatGoesAwayFreesItsSlotAndCacheLease() {
        long leasesBefore = MEMORY.leases.get();
        int[] sent = new int[1];
        GantryException gone = assertThrows(GantryException.class, () -> model.inferStream(
                request("two friends talked all night of the stars and the moon", Map.of()), (outputs, last) -> {
                    if (++sent[0] == 3) {
                        throw GantryException.unavailable("the client closed the stream");
                    }
                    assertTrue(MEMORY.inUse.get() > 0, "the cache is leased while the request runs");
                }));
        assertEquals("the client closed the stream", gone.getMessage());
        assertEquals(3, sent[0]);
        assertEquals(leasesBefore, MEMORY.leases.get());
        assertEquals(0, MEMORY.inUse.get());
        assertArrayEquals(new long[] { 0, 0 }, model.roomInUse());
        // The model goes on serving.
        JsonNode c = EXPECTED.get("cases").get(4);
        assertArrayEquals(longs(c.get("greedy")), ids(model.infer(request(c.get("text").asText(), Map.of()))));
    }

    @Test
    void badRequestsAreInvalidArgumentsNamingTheParameter() {
        assertInvalid(Map.of("decoding", "foo"), "decoding");
        assertInvalid(Map.of("num_beams", 0L), "num_beams");
        assertInvalid(Map.of("decoding", "beam", "num_beams", 1000L), "num_beams");
        assertInvalid(Map.of("temperature", -1.0), "temperature");
        assertInvalid(Map.of("max_new_tokens", 65L), "max_new_tokens");
        assertInvalid(Map.of("max_new_tokens", "many"), "max_new_tokens");
        assertInvalid(Map.of("top_p", 0.0), "top_p");
        GantryException empty = assertThrows(GantryException.class, () -> model.infer(request(" ", Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, empty.kind());
        assertTrue(empty.getMessage().contains("text_input"), empty.getMessage());
        assertEquals(0, MEMORY.inUse.get());
    }

    private static void assertInvalid(Map<String, Object> parameters, String name) {
        GantryException e = assertThrows(GantryException.class, () -> model.infer(request("walk fast", parameters)));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
    }

    @Test
    void maxNewTokensFromTheRequestBoundsTheOutput() {
        long[] ids = ids(model.infer(request("walk fast", Map.of("max_new_tokens", 5L))));
        long[] full = longs(EXPECTED.get("cases").get(4).get("greedy"));
        assertArrayEquals(java.util.Arrays.copyOf(full, 5), ids);
    }

    @Test
    void maxTokensAsGenerateClientsNameItBoundsTheOutputToo() {
        long[] ids = ids(model.infer(request("walk fast", Map.of("max_tokens", 5))));
        long[] full = longs(EXPECTED.get("cases").get(4).get("greedy"));
        assertArrayEquals(java.util.Arrays.copyOf(full, 5), ids);
        assertInvalid(Map.of("max_tokens", 5, "max_new_tokens", 5), "max_tokens");
    }

    @Test
    void temperatureZeroMeansGreedyEvenWhenSamplingIsAsked() {
        JsonNode c = EXPECTED.get("cases").get(4);
        long[] greedy = longs(c.get("greedy"));

        assertArrayEquals(greedy, ids(model.infer(request(c.get("text").asText(), Map.of("temperature", 0)))));
        assertArrayEquals(greedy, ids(model.infer(request(c.get("text").asText(), Map.of("decoding", "sampling",
                "temperature", 0.0, "seed", 3L)))));
    }

    @Test
    void theModelTakesAsManyRequestsAsItsBatch() {
        assertEquals(32, model.concurrency());
        assertNotEquals(0, model.footprintBytes());
    }

    @Test
    void underMemoryPressureRequestsWaitForCacheInsteadOfFailing() throws Exception {
        Fixture.CountingMemory tight = new Fixture.CountingMemory();
        try (Seq2SeqModel small = Fixture.load(Fixture.backend(), tight, Map.of())) {
            JsonNode c = EXPECTED.get("cases").get(4);
            // Room for one request's cache at a time: the others wait for it, then run.
            tight.capacity = small.cacheBytes(1, c.get("input_ids").size(), 20) + 100;
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<long[]>> answers = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    answers.add(pool.submit(() -> ids(small.infer(request(c.get("text").asText(), Map.of())))));
                }
                for (Future<long[]> answer : answers) {
                    assertArrayEquals(longs(c.get("greedy")), answer.get(60, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(tight.peak.get() <= tight.capacity);
            assertEquals(4, tight.names.stream().filter(n -> n.equals("decoder cache")).count());
            assertEquals(0, tight.inUse.get());
        }
    }

    @Test
    void aRequestLargerThanTheCacheBoundIsRefusedAndOneWithoutRoomTimesOut() throws Exception {
        try (Seq2SeqModel small = Fixture.load(Fixture.backend(), MEMORY, Map.of("kv_cache_bytes", "40000",
                "admission_timeout_ms", "50"))) {
            GantryException tooBig = assertThrows(GantryException.class,
                    () -> small.infer(request("walk fast", Map.of("decoding", "beam", "num_beams", 3L))));
            assertEquals(ErrorKind.INVALID_ARGUMENT, tooBig.kind());
            assertTrue(tooBig.getMessage().contains("kv_cache_bytes"), tooBig.getMessage());

            java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> first = pool
                        .submit(() -> small.inferStream(request("walk fast", Map.of()), (outputs, last) -> {
                            holding.countDown();
                            try {
                                release.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }));
                holding.await();
                GantryException noRoom = assertThrows(GantryException.class,
                        () -> small.infer(request("dark cold water", Map.of())));
                assertEquals(ErrorKind.UNAVAILABLE, noRoom.kind());
                assertTrue(noRoom.getMessage().contains("no room"), noRoom.getMessage());
                release.countDown();
                first.get(30, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
        }
        assertEquals(0, MEMORY.inUse.get());
    }

    @Test
    void aConfigurationWithoutTheCacheLayoutOrWithAnUnknownParameterIsRejected() {
        Seq2SeqBackend backend = Fixture.backend();
        GantryException unknown = assertThrows(GantryException.class, () -> backend.complete(new Fixture.Context(
                Fixture.config(Map.of("beams", "3")), 1, Fixture.MODEL)));
        assertTrue(unknown.getMessage().contains("'beams'"), unknown.getMessage());
        GantryException wrongLayout = assertThrows(GantryException.class,
                () -> Fixture.load(backend, MEMORY, Map.of("num_heads", "3", "head_size", "16")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, wrongLayout.kind());
        assertTrue(wrongLayout.getMessage().contains("contract"), wrongLayout.getMessage());
        GantryException badDefault = assertThrows(GantryException.class,
                () -> Fixture.load(backend, MEMORY, Map.of("decoding", "loud")));
        assertTrue(badDefault.getMessage().contains("'decoding'"), badDefault.getMessage());
    }

    @Test
    void tokenizerFileNamesAFileOfTheModelAndNothingOutsideWhetherItExistsOrNot(@TempDir Path temp)
            throws IOException {
        Path copy = Files.createDirectories(temp.resolve("tiny_seq2seq/1")).getParent();
        for (String file : List.of("config.pbtxt", "1/encoder.pt", "1/decoder.pt")) {
            Files.copy(Fixture.MODEL.resolve(file), copy.resolve(file));
        }
        Files.copy(Fixture.MODEL.resolve("tokenizer.json"), Files.createDirectories(copy.resolve("vocab"))
                .resolve("tokenizer.json"));
        Path outside = Files.copy(Fixture.MODEL.resolve("tokenizer.json"),
                Files.createDirectories(temp.resolve("outside")).resolve("tokenizer.json"));
        Files.createSymbolicLink(copy.resolve("tokenizer.json"), outside);
        Seq2SeqBackend backend = Fixture.backend();

        backend.load(context(backend, copy, "vocab/tokenizer.json")).close();
        for (String name : List.of(outside.toString(), "../../outside/tokenizer.json", "tokenizer.json")) {
            String expected = "model 'tiny_seq2seq': parameter 'tokenizer_file' must name a file inside the model's"
                    + " folder, not '" + name + "'";
            GantryException existing = assertThrows(GantryException.class,
                    () -> backend.load(context(backend, copy, name)), name);
            assertEquals(ErrorKind.INVALID_ARGUMENT, existing.kind());
            assertEquals(expected, existing.getMessage());
            Files.move(outside, temp.resolve("aside.json"));
            assertEquals(expected, assertThrows(GantryException.class, () -> backend.load(context(backend, copy,
                    name))).getMessage(), name + " without the file outside");
            Files.move(temp.resolve("aside.json"), outside);
        }
    }

    private static Fixture.Context context(Seq2SeqBackend backend, Path folder, String tokenizerFile) {
        ModelConfig config = backend.complete(new Fixture.Context(Fixture.config(Map.of("tokenizer_file",
                tokenizerFile)), 1, folder));
        return new Fixture.Context(config, 1, folder);
    }
}
