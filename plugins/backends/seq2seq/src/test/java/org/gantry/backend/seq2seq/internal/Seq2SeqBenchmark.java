package org.gantry.backend.seq2seq.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Tokens per second of the generation loop at 1, 8 and 32 concurrent clients, with per-step batching (max_batch 32)
 * against the same loop taking one request at a time (max_batch 1), same model, same run. Greedy, 20 new tokens at
 * most, the fixture's inputs. A harness, never a test:
 * {@code mvn -o -q -pl plugins/backends/seq2seq test-compile exec:exec@benchmark}.
 */
public final class Seq2SeqBenchmark {

    private static final int REPETITIONS = 5;

    private Seq2SeqBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Seq2SeqBackend backend = Fixture.backend();
        Fixture.CountingMemory memory = new Fixture.CountingMemory();
        List<String> texts = new ArrayList<>();
        for (JsonNode c : Fixture.EXPECTED.get("cases")) {
            texts.add(c.get("text").asText());
        }
        try (Seq2SeqModel batched = Fixture.load(backend, memory, Map.of("max_batch", "32"));
                Seq2SeqModel alone = Fixture.load(backend, memory, Map.of("max_batch", "1", "num_beams", "1"))) {
            run(batched, texts, 8, 2); // warm-up of both
            run(alone, texts, 8, 2);
            System.out.printf("%-12s %14s %14s %8s %s%n", "concurrency", "batched tok/s", "one-at-a-time", "speedup",
                    "mean rows per step (batched)");
            for (int clients : new int[] { 1, 8, 32 }) {
                int perClient = Math.max(2, 64 / clients);
                double[] withBatching = new double[REPETITIONS];
                double[] without = new double[REPETITIONS];
                DecodeStatistics.Snapshot before = batched.statistics();
                for (int r = 0; r < REPETITIONS; r++) {
                    withBatching[r] = run(batched, texts, clients, perClient);
                    without[r] = run(alone, texts, clients, perClient);
                }
                DecodeStatistics.Snapshot after = batched.statistics();
                double rowsPerStep = (double) (after.rows() - before.rows()) / (after.steps() - before.steps());
                double a = median(withBatching);
                double b = median(without);
                System.out.printf("%-12d %14.0f %14.0f %7.1fx %.1f%n", clients, a, b, a / b, rowsPerStep);
            }
        }
    }

    /** Tokens per second for {@code clients} threads each sending {@code perClient} requests back to back. */
    private static double run(Seq2SeqModel model, List<String> texts, int clients, int perClient) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicLong tokens = new AtomicLong();
        try {
            long started = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        String text = texts.get((client + i) % texts.size());
                        tokens.addAndGet(Fixture.ids(model.infer(Fixture.request(text, Map.of()))).length);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return tokens.get() / ((System.nanoTime() - started) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
