package org.gantry.processor.tokenizer.internal;

import static org.gantry.test.support.TestTensors.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.processor.ProcessorFunction;
import org.gantry.api.tensor.Tensor;
import org.gantry.test.support.TestLoadContext;
import org.gantry.test.support.TestTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * The tokenizer processor on all-MiniLM-L6-v2's real tokenizer.json, with DJL's native tokenizers: the ids equal
 * those of the WordPiece tokenizer that scripts/fixtures/make-minilm-example.py implements after BERT's rules.
 */
class HuggingFaceTokenizerProcessorTest {

    private static final Path MINILM = Path.of(System.getProperty("gantry.examples"), "minilm_tokenizer");
    private final HuggingFaceTokenizerProcessor processor = new HuggingFaceTokenizerProcessor(
            HuggingFaceTokenizer::newInstance);

    private static ModelLoadContext context(Path folder, Map<String, String> parameters) {
        ModelConfig config = new ModelConfig(folder.getFileName().toString(), "", "huggingface_tokenizer", 0,
                List.of(), List.of(), null, null, parameters, null);
        return TestLoadContext.onHost(config, 1, folder);
    }

    private static Tensor text(String... texts) {
        return TestTensors.texts("TEXT", texts);
    }

    @Test
    void idsEqualTheReferenceTokenizationAndTheBatchIsPaddedToItsLongest() throws IOException {
        JsonNode reference = new ObjectMapper().readTree(Path.of(System.getProperty("gantry.minilm.reference"))
                .toFile());
        List<String> sentences = new ArrayList<>();
        reference.get("sentences").forEach(s -> sentences.add(s.asText()));
        try (ProcessorFunction tokenizer = processor.open(context(MINILM, Map.of("max_length", "256")))) {
            assertEquals(List.of("TEXT"), tokenizer.inputs().stream().map(TensorConfig::name).toList());
            assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), tokenizer.outputs().stream()
                    .map(TensorConfig::name).toList());
            List<Tensor> out = tokenizer.apply(InferenceRequest.of(List.of(text(sentences.toArray(String[]::new)))));
            long[] shape = out.get(0).shape();
            int longest = 0;
            for (JsonNode ids : reference.get("input_ids")) {
                longest = Math.max(longest, ids.size());
            }
            assertArrayEquals(new long[] { sentences.size(), longest }, shape);
            long[] ids = longs(out.get(0));
            long[] mask = longs(out.get(1));
            long[] types = longs(out.get(2));
            for (int row = 0; row < sentences.size(); row++) {
                JsonNode expected = reference.get("input_ids").get(row);
                for (int token = 0; token < longest; token++) {
                    int at = row * longest + token;
                    boolean real = token < expected.size();
                    assertEquals(real ? expected.get(token).asLong() : 0, ids[at], sentences.get(row) + " @" + token);
                    assertEquals(real ? 1 : 0, mask[at]);
                    assertEquals(0, types[at]);
                }
            }
        }
    }

    @Test
    void truncationFollowsMaxLength() {
        try (ProcessorFunction tokenizer = processor.open(context(MINILM, Map.of("max_length", "5")))) {
            Tensor ids = tokenizer.apply(InferenceRequest.of(List.of(text("A man is eating a piece of bread."))))
                    .get(0);
            assertArrayEquals(new long[] { 1, 5 }, ids.shape());
            assertEquals(102, longs(ids)[4], "the [SEP] token survives truncation");
        }
    }

    @Test
    void badInputsAndParametersAreTheCallersFault(@TempDir Path folder) throws IOException {
        try (ProcessorFunction tokenizer = processor.open(context(MINILM, Map.of()))) {
            Tensor notUtf8 = Tensor.ofBytes("TEXT", new long[] { 1 }, List.of(new byte[] { (byte) 0xC3, 0x28 }));
            assertTrue(rejected(() -> tokenizer.apply(InferenceRequest.of(List.of(notUtf8)))).contains("text 0 of"
                    + " input 'TEXT' is not valid UTF-8"));
            assertTrue(rejected(() -> tokenizer.apply(InferenceRequest.of(List.of(text())))).contains("holds no text"));
        }
        assertTrue(rejected(() -> processor.open(context(MINILM, Map.of("padding", "sometimes")))).contains(
                "parameter 'padding' cannot be 'sometimes' (longest, max_length or false)"));
        assertTrue(rejected(() -> processor.open(context(MINILM, Map.of("max_length", "-3")))).contains(
                "parameter 'max_length' cannot be '-3'"));
        assertTrue(rejected(() -> processor.open(context(MINILM, Map.of("tokenizer_file", "../../etc/passwd"))))
                .contains("must name a file inside the model's folder"));
        Path empty = Files.createDirectories(folder.resolve("no_tokenizer"));
        assertTrue(rejected(() -> processor.open(context(empty, Map.of()))).contains("no tokenizer.json in"));
        Path corrupt = Files.createDirectories(folder.resolve("corrupt"));
        Files.writeString(corrupt.resolve("tokenizer.json"), "{\"model\": 42}");
        assertTrue(rejected(() -> processor.open(context(corrupt, Map.of()))).contains("is not a HuggingFace"
                + " tokenizer"));
    }

    @Test
    void tokenizerFileNamesAFileOfTheModelAndNothingOutsideWhetherItExistsOrNot(@TempDir Path folder)
            throws IOException {
        Path model = Files.createDirectories(folder.resolve("m/1")).getParent();
        Files.copy(MINILM.resolve("1/tokenizer.json"), model.resolve("mine.json"));
        Path outside = Files.copy(MINILM.resolve("1/tokenizer.json"),
                Files.createDirectories(folder.resolve("outside")).resolve("tokenizer.json"));
        Files.createSymbolicLink(model.resolve("1/tokenizer.json"), outside);

        processor.open(context(model, Map.of("tokenizer_file", "mine.json"))).close();
        for (String name : List.of(outside.toString(), "../../outside/tokenizer.json", "tokenizer.json")) {
            String expected = "model 'm': parameter 'tokenizer_file' must name a file inside the model's folder, not '"
                    + name + "'";
            assertEquals(expected, rejected(() -> processor.open(context(model, Map.of("tokenizer_file", name)))));
            Files.move(outside, folder.resolve("aside.json"));
            assertEquals(expected, rejected(() -> processor.open(context(model, Map.of("tokenizer_file", name)))),
                    name + " without the file outside");
            Files.move(folder.resolve("aside.json"), outside);
        }
    }

    private static String rejected(Runnable action) {
        GantryException e = assertThrows(GantryException.class, action::run);
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        return e.getMessage();
    }
}
