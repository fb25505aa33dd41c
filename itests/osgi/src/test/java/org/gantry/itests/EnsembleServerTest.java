package org.gantry.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.processor.Processor;
import org.gantry.api.processor.ProcessorFunction;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelState;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Ensembles in a real Felix framework with the real runtime, memory manager, TorchScript backend and tokenizer:
 * a Triton-style chain of plain models, the MiniLM embeddings pipeline against torch's own numbers, configuration
 * errors that fail an ensemble's load, and a processor that a bundle registers as a service.
 */
@ExtendWith({ BundleContextExtension.class, ServiceExtension.class })
class EnsembleServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ModelServer server;

    @BeforeAll
    static void configure(@InjectService ConfigurationAdmin configAdmin) throws Exception {
        ItestServer.configure(configAdmin);
    }

    /** The server as it is now: configuration changes above restart it, so it is looked up for each test. */
    @BeforeEach
    void server(@InjectService(timeout = 60_000) ModelServer current) {
        server = current;
    }

    @AfterAll
    static void unloadEverything() {
        // The other test class reads the memory view from an empty start.
        for (String model : List.of("add_sub_chain", "add_sub", "versioned_scale", "minilm_embeddings",
                "minilm_tokenizer", "minilm_encoder", "minilm_encoder_document", "minilm_pooling",
                "minilm_normalize")) {
            server.unload(model);
        }
    }

    @Test
    void aTritonStyleChainOfTwoModelsGivesTheClosedFormAnswer() throws Exception {
        JsonNode expected = JSON.readTree(Path.of(System.getProperty("gantry.itest.models"), "add_sub_chain",
                "expected.json").toFile()).get("1").get(0);
        ObjectNode request = JSON.createObjectNode();
        request.set("inputs", expected.get("inputs"));
        HttpResponse<String> response = post("/v2/models/add_sub_chain/infer", request.toString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode outputs = JSON.readTree(response.body()).get("outputs");
        for (int i = 0; i < 3; i++) {
            assertEquals(expected.get("outputs").get(i).get("name").asText(), outputs.get(i).get("name").asText());
            assertEquals(expected.get("outputs").get(i).get("data"), outputs.get(i).get("data"));
        }
        // The step models are ordinary models: loaded on demand, each under its own lease.
        assertTrue(server.isModelReady("add_sub", null) && server.isModelReady("versioned_scale", "1"));
        JsonNode leases = JSON.readTree(get("/v2/memory").body()).get("devices").get(0).get("models");
        List<String> leased = new ArrayList<>();
        leases.forEach(l -> leased.add(l.get("name").asText()));
        assertTrue(leased.containsAll(List.of("add_sub", "versioned_scale", "add_sub_chain")), leased.toString());
    }

    @Test
    void minilmEmbeddingsEqualTorchsAndGiveThePublishedSimilarity() throws Exception {
        JsonNode reference = JSON.readTree(Path.of(System.getProperty("gantry.itest.minilm.reference")).toFile());
        List<String> sentences = new ArrayList<>();
        reference.get("sentences").forEach(s -> sentences.add(s.asText()));
        float[][] query = embed(sentences, null);
        double maxDifference = 0;
        for (int i = 0; i < sentences.size(); i++) {
            JsonNode expected = reference.get("embeddings").get(i);
            assertEquals(384, query[i].length);
            for (int j = 0; j < 384; j++) {
                maxDifference = Math.max(maxDifference, Math.abs(query[i][j] - expected.get(j).asDouble()));
            }
        }
        assertTrue(maxDifference < 1e-4, "max abs difference to torch " + maxDifference);
        double cosine = 0;
        for (int j = 0; j < 384; j++) {
            cosine += query[0][j] * query[1][j];
        }
        assertEquals(0.7553, cosine, 0.001, "cos(food, bread)");

        // The request picks the encoder; the document encoder is the same artifact here, so the same numbers.
        float[][] document = embed(sentences.subList(0, 2), "document");
        for (int j = 0; j < 384; j++) {
            assertEquals(query[1][j], document[1][j], 1e-5f);
        }
        assertTrue(server.isModelReady("minilm_encoder_document", null), server.index().toString());
        HttpResponse<String> unknown = post("/v2/models/minilm_embeddings/infer", embedRequest(sentences, "sideways"));
        assertEquals(400, unknown.statusCode(), unknown.body());
        assertTrue(unknown.body().contains("'encoder' is 'sideways'; it must be one of [query, document]"),
                unknown.body());
        HttpResponse<String> empty = post("/v2/models/minilm_embeddings/infer", embedRequest(List.of(), null));
        assertEquals(400, empty.statusCode(), empty.body());
        assertTrue(empty.body().contains("step 1 (model 'minilm_tokenizer')"), empty.body());
    }

    private static String embedRequest(List<String> sentences, String encoder) {
        ObjectNode request = JSON.createObjectNode();
        ObjectNode input = request.putArray("inputs").addObject();
        input.put("name", "TEXT").put("datatype", "BYTES").putArray("shape").add(sentences.size());
        ArrayNode data = input.putArray("data");
        sentences.forEach(data::add);
        if (encoder != null) {
            request.putObject("parameters").put("encoder", encoder);
        }
        return request.toString();
    }

    private static float[][] embed(List<String> sentences, String encoder) throws Exception {
        HttpResponse<String> response = post("/v2/models/minilm_embeddings/infer", embedRequest(sentences, encoder));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode output = JSON.readTree(response.body()).get("outputs").get(0);
        assertEquals("EMBEDDING", output.get("name").asText());
        assertEquals(List.of(sentences.size(), 384), JSON.convertValue(output.get("shape"), List.class));
        float[][] embeddings = new float[sentences.size()][384];
        for (int i = 0; i < sentences.size() * 384; i++) {
            embeddings[i / 384][i % 384] = (float) output.get("data").get(i).asDouble();
        }
        return embeddings;
    }

    /** An ensemble folder added beside the repository, as SageMaker's multi-model API adds models. */
    private static Path ensembleFolder(String name, String steps) throws IOException {
        Path folder = Files.createTempDirectory("gantry-ensemble");
        Files.createDirectories(folder.resolve("1"));
        Files.writeString(folder.resolve("config.pbtxt"), """
                name: "%s"
                platform: "ensemble"
                input [ { name: "A" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "B" data_type: TYPE_FP32 dims: [ 4 ] } ]
                output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]
                ensemble_scheduling { step [ %s ] }
                """.formatted(name, steps));
        return folder;
    }

    private static String loadFailure(String name, String steps) throws IOException {
        GantryException e = assertThrows(GantryException.class, () -> server.add(name, ensembleFolder(name, steps)));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void configurationErrorsFailTheEnsemblesLoadWithTheProblemNamed(@InjectBundleContext BundleContext context)
            throws Exception {
        String addSub = "{ model_name: \"add_sub\" model_version: -1 input_map { key: \"INPUT0\" value: \"%s\" }"
                + " input_map { key: \"INPUT1\" value: \"%s\" } output_map { key: \"OUTPUT0\" value: \"%s\" } }";
        assertTrue(loadFailure("missing_step", String.format(addSub, "A", "B", "OUT").replace("add_sub",
                "no_such_model")).contains("model 'no_such_model' cannot be served: unknown model 'no_such_model'"));
        assertTrue(loadFailure("cyclic", String.format(addSub, "A", "B", "OUT") + ", "
                + String.format(addSub, "A", "T2", "T1") + ", " + String.format(addSub, "A", "T1", "T2"))
                .contains("its steps form a cycle"));
        assertTrue(loadFailure("mapped_twice", String.format(addSub, "A", "B", "OUT") + ", "
                + String.format(addSub, "B", "A", "OUT")).contains("tensor 'OUT' is mapped twice"));
        // A processor that is not installed: the tokenizer's bundle stopped.
        Bundle tokenizer = List.of(context.getBundles()).stream()
                .filter(b -> "org.gantry.processor.tokenizer".equals(b.getSymbolicName())).findFirst().orElseThrow();
        tokenizer.stop();
        try {
            assertTrue(loadFailure("missing_processor", "{ model_name: \"minilm_tokenizer\" model_version: -1"
                    + " input_map { key: \"TEXT\" value: \"A\" } output_map { key: \"input_ids\" value: \"OUT\" } }")
                    .contains("model 'minilm_tokenizer' cannot be served: no backend or processor named"
                            + " 'huggingface_tokenizer' is installed"));
        } finally {
            tokenizer.start();
        }
        // Nothing else broke: the repository's ensemble still serves.
        aTritonStyleChainOfTwoModelsGivesTheClosedFormAnswer();
    }

    @Test
    void aBundleAddsAProcessorByRegisteringAService(@InjectBundleContext BundleContext context) throws Exception {
        ServiceRegistration<Processor> registration = context.registerService(Processor.class, new Reverse(), null);
        Path folder = Files.createTempDirectory("gantry-reverse");
        Files.createDirectories(folder.resolve("1"));
        Files.writeString(folder.resolve("config.pbtxt"), "backend: \"reverse_text\"");
        try {
            server.add("reverser", folder);
            HttpResponse<String> response = post("/v2/models/reverser/infer", "{\"inputs\":[{\"name\":\"TEXT\","
                    + "\"datatype\":\"BYTES\",\"shape\":[2],\"data\":[\"gantry\",\"osgi\"]}]}");
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("[\"yrtnag\",\"igso\"]", JSON.readTree(response.body()).get("outputs").get(0).get("data")
                    .toString());
            assertEquals("[-1]", JSON.readTree(get("/v2/models/reverser").body()).get("inputs").get(0).get("shape")
                    .toString(), "the configuration was completed from the processor");
        } finally {
            registration.unregister();
        }
        // Its bundle gone, the processor's model unloads with the reason.
        assertEquals(ModelState.UNAVAILABLE, server.index().stream().filter(s -> s.name().equals("reverser"))
                .findFirst().orElseThrow().state());
        server.remove("reverser");
    }

    /** A third party's processor: reverses each text. */
    static final class Reverse implements Processor {
        @Override
        public String name() {
            return "reverse_text";
        }

        @Override
        public ProcessorFunction open(ModelLoadContext context) {
            return ProcessorFunction.of(List.of(new TensorConfig("TEXT", DataType.BYTES, List.of(-1L))),
                    List.of(new TensorConfig("REVERSED", DataType.BYTES, List.of(-1L))), request -> {
                        Tensor text = request.input("TEXT");
                        List<byte[]> reversed = new ArrayList<>();
                        for (String element : text.bytesElementsAsStrings()) {
                            reversed.add(new StringBuilder(element).reverse().toString()
                                    .getBytes(StandardCharsets.UTF_8));
                        }
                        return List.of(Tensor.ofBytes("REVERSED", text.shape(), reversed));
                    });
        }
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return ItestServer.get(path);
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return ItestServer.post(path, body);
    }
}
