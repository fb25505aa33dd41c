package org.gantry.loadgen;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoopTranslator;

/**
 * Embeddings per second from the {@code minilm_embeddings} ensemble of a running server against the same
 * computation in this process without a server: DJL's tokenizer on the same tokenizer.json, the same TorchScript
 * encoder on DJL's PyTorch engine, mean pooling and L2 normalisation. Both run alternately in rounds, so that the
 * machine's noise hits both; medians per request are reported with the ratio.
 *
 * <p>Usage: {@code --url http://127.0.0.1:8080 --models examples/models [--seconds 30] [--batches 1,32]}
 * (bench/run-embedding-benchmark.sh starts the server and runs this).
 */
public final class EmbeddingBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = 3;

    private EmbeddingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = LoadGenerator.parse(args);
        String url = options.getOrDefault("url", "http://127.0.0.1:8080");
        Path models = Path.of(options.getOrDefault("models", "examples/models"));
        double seconds = Double.parseDouble(options.getOrDefault("seconds", "30"));
        int[] batches = Arrays.stream(options.getOrDefault("batches", "1,32").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        System.setProperty("ai.djl.offline", "true");
        List<String> sentences = sentences(64);
        HttpClient http = HttpClient.newHttpClient();
        try (InProcess local = new InProcess(models)) {
            System.out
                    .println("| batch | in-process emb/s | server emb/s | ratio | in-process p50 ms | server p50 ms |");
            System.out.println("|---|---|---|---|---|---|");
            for (int batch : batches) {
                List<String> texts = sentences.subList(0, batch);
                String body = request(texts);
                Runnable viaServer = () -> post(http, url, body, batch);
                Runnable inProcess = () -> local.embed(texts);
                for (int i = 0; i < 10; i++) { // warm both up: first loads, JIT, libtorch's allocator
                    viaServer.run();
                    inProcess.run();
                }
                List<Long> localNanos = new ArrayList<>();
                List<Long> serverNanos = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    time(inProcess, seconds / ROUNDS / 2, localNanos);
                    time(viaServer, seconds / ROUNDS / 2, serverNanos);
                }
                double local50 = median(localNanos) / 1e6;
                double server50 = median(serverNanos) / 1e6;
                System.out.printf("| %d | %.1f | %.1f | %.2f | %.2f | %.2f |%n", batch, batch * 1000 / local50,
                        batch * 1000 / server50, local50 / server50, local50, server50);
            }
        }
    }

    private static void time(Runnable call, double seconds, List<Long> nanos) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            long started = System.nanoTime();
            call.run();
            nanos.add(System.nanoTime() - started);
        }
    }

    private static double median(List<Long> values) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** Customer-support-like sentences of varied length, the same on every run. */
    static List<String> sentences(int count) {
        String[] subjects = { "My order", "The invoice I received", "Our team's account", "The mobile app",
                "A refund for last month" };
        String[] problems = { "has not arrived yet", "shows the wrong amount and the wrong billing address",
                "cannot be accessed since the password reset", "crashes whenever I open the settings page",
                "was promised by your agent two weeks ago but nothing happened" };
        List<String> sentences = new ArrayList<>();
        for (int i = 0; sentences.size() < count; i++) {
            sentences.add(subjects[i % subjects.length] + " " + problems[(i / subjects.length) % problems.length]
                    + (i % 3 == 0 ? ", could you please check what is going on?" : "."));
        }
        return sentences;
    }

    private static String request(List<String> texts) {
        ObjectNode request = JSON.createObjectNode();
        ObjectNode input = request.putArray("inputs").addObject();
        input.put("name", "TEXT").put("datatype", "BYTES").putArray("shape").add(texts.size());
        texts.forEach(input.putArray("data")::add);
        return request.toString();
    }

    private static void post(HttpClient http, String url, String body, int batch) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url
                    + "/v2/models/minilm_embeddings/infer")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the server answered " + response.statusCode() + ": "
                        + response.body());
            }
            JsonNode shape = JSON.readTree(response.body()).get("outputs").get(0).get("shape");
            if (shape.get(0).asInt() != batch) {
                throw new IllegalStateException("unexpected shape " + shape);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The baseline: what a user would write with DJL in their own process. */
    private static final class InProcess implements AutoCloseable {
        private final HuggingFaceTokenizer tokenizer;
        private final Model model;
        private final Predictor<NDList, NDList> predictor;

        InProcess(Path models) throws Exception {
            tokenizer = HuggingFaceTokenizer.newInstance(models.resolve("minilm_tokenizer/1/tokenizer.json"),
                    Map.of("padding", "longest", "maxLength", "256"));
            model = Model.newInstance("minilm", Device.cpu(), "PyTorch");
            model.load(models.resolve("minilm_encoder/1"), "model.pt");
            predictor = model.newPredictor(new NoopTranslator());
        }

        float[] embed(List<String> texts) {
            Encoding[] encodings = tokenizer.batchEncode(texts);
            try (NDManager manager = model.getNDManager().newSubManager()) {
                NDList inputs = Encoding.toNDList(encodings, manager, true, true);
                NDArray hidden = predictor.predict(inputs).get(0);
                NDArray mask = inputs.get(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).expandDims(-1);
                NDArray pooled = hidden.mul(mask).sum(new int[] { 1 }).div(mask.sum(new int[] { 1 }).maximum(1e-9f));
                NDArray norms = pooled.norm(new int[] { 1 }, true).maximum(1e-12f);
                return pooled.div(norms).toFloatArray();
            } catch (ai.djl.translate.TranslateException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            predictor.close();
            model.close();
            tokenizer.close();
        }
    }
}
