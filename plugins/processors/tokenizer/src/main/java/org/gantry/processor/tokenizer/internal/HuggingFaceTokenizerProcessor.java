package org.gantry.processor.tokenizer.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.processor.Processor;
import org.gantry.api.processor.ProcessorFunction;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.engine.tokenizers.TokenizersEngine;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * The processor {@code huggingface_tokenizer}: {@code TEXT} (BYTES, UTF-8, any shape of n strings) gives
 * {@code input_ids}, {@code attention_mask} and {@code token_type_ids} (INT64 [n, tokens]), from the
 * {@code tokenizer.json} in the version folder (or the model folder). Parameters: {@code tokenizer_file}
 * (default {@code tokenizer.json}), {@code padding} ({@code longest}, the default: the batch is padded to its longest
 * text; {@code max_length}; {@code false}), {@code truncation} ({@code true}, the default, or {@code false}),
 * {@code max_length} (tokens; default the tokenizer file's), {@code add_special_tokens} (default {@code true}).
 */
@Component
public final class HuggingFaceTokenizerProcessor implements Processor {

    static final String TEXT = "TEXT";
    static final List<String> OUTPUTS = List.of("input_ids", "attention_mask", "token_type_ids");
    /** Configuration parameter → DJL's tokenizer option; the values are checked here, DJL's messages are poor. */
    private static final Map<String, String> OPTIONS = Map.of("padding", "padding", "truncation", "truncation",
            "max_length", "maxLength", "add_special_tokens", "addSpecialTokens");

    private final TokenizersEngine engine;

    @Activate
    public HuggingFaceTokenizerProcessor(@Reference TokenizersEngine engine) {
        this.engine = engine;
    }

    @Override
    public String name() {
        return "huggingface_tokenizer";
    }

    @Override
    public ProcessorFunction open(ModelLoadContext context) {
        ModelConfig config = context.config();
        Path file = tokenizerFile(context);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = engine.open(file, options(config));
        } catch (IOException | RuntimeException e) {
            throw GantryException.invalidArgument("model '%s': %s is not a HuggingFace tokenizer: %s", config.name(),
                    file, e.getMessage());
        }
        List<TensorConfig> inputs = List.of(new TensorConfig(TEXT, DataType.BYTES,
                config.batched() ? List.of(1L) : List.of(-1L)));
        List<TensorConfig> outputs = OUTPUTS.stream()
                .map(name -> new TensorConfig(name, DataType.INT64,
                        config.batched() ? List.of(-1L) : List.of(-1L, -1L)))
                .toList();
        return ProcessorFunction.of(inputs, outputs, request -> tokenize(tokenizer, config.name(),
                request.input(TEXT)), tokenizer::close);
    }

    private static Path tokenizerFile(ModelLoadContext context) {
        Path file = context.resolveInVersionOrModel("tokenizer_file", "tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw GantryException.invalidArgument("model '%s': no %s in %s or %s", context.config().name(),
                    context.config().parameter("tokenizer_file").orElse("tokenizer.json"), context.versionDirectory(),
                    context.modelDirectory());
        }
        return file;
    }

    static Map<String, String> options(ModelConfig config) {
        Map<String, String> options = new HashMap<>();
        options.put("padding", "longest");
        OPTIONS.forEach((parameter, option) -> config.parameter(parameter).ifPresent(value -> options.put(option,
                check(config.name(), parameter, value.trim()))));
        return options;
    }

    private static String check(String model, String parameter, String value) {
        boolean valid = switch (parameter) {
            case "padding" -> List.of("longest", "max_length", "false").contains(value);
            case "truncation", "add_special_tokens" -> List.of("true", "false").contains(value);
            default -> value.matches("[1-9][0-9]{0,5}");
        };
        if (!valid) {
            throw GantryException.invalidArgument("model '%s': parameter '%s' cannot be '%s' (%s)", model, parameter,
                    value, switch (parameter) {
                        case "padding" -> "longest, max_length or false";
                        case "truncation", "add_special_tokens" -> "true or false";
                        default -> "a positive number of tokens";
                    });
        }
        return value;
    }

    static List<Tensor> tokenize(HuggingFaceTokenizer tokenizer, String model, Tensor text) {
        if (text == null || text.dataType() != DataType.BYTES) {
            throw GantryException.invalidArgument("model '%s' needs input '%s' of BYTES (UTF-8 text)", model, TEXT);
        }
        List<String> texts = new ArrayList<>();
        for (ByteBuffer element : text.bytesElements()) {
            texts.add(utf8(model, element, texts.size()));
        }
        if (texts.isEmpty()) {
            throw GantryException.invalidArgument("model '%s': input '%s' holds no text", model, TEXT);
        }
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int tokens = encodings[0].getIds().length;
        for (Encoding encoding : encodings) {
            if (encoding.getIds().length != tokens) { // padding false: the texts do not make one tensor
                throw GantryException.invalidArgument("model '%s': the texts have different token counts (%d and %d)"
                        + " and padding is off; send one text per request or turn padding on", model, tokens,
                        encoding.getIds().length);
            }
        }
        long[] shape = { encodings.length, tokens };
        List<Tensor> outputs = new ArrayList<>(3);
        outputs.add(Tensor.of(OUTPUTS.get(0), DataType.INT64, shape, pack(encodings, Encoding::getIds)));
        outputs.add(Tensor.of(OUTPUTS.get(1), DataType.INT64, shape, pack(encodings, Encoding::getAttentionMask)));
        outputs.add(Tensor.of(OUTPUTS.get(2), DataType.INT64, shape, pack(encodings, Encoding::getTypeIds)));
        return outputs;
    }

    private static ByteBuffer pack(Encoding[] encodings, java.util.function.Function<Encoding, long[]> values) {
        int tokens = encodings[0].getIds().length;
        ByteBuffer buffer = ByteBuffer.allocate(encodings.length * tokens * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Encoding encoding : encodings) {
            for (long value : values.apply(encoding)) {
                buffer.putLong(value);
            }
        }
        return buffer.flip();
    }

    private static String utf8(String model, ByteBuffer element, int index) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(element);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw GantryException.invalidArgument("model '%s': text %d of input '%s' is not valid UTF-8", model, index,
                    TEXT);
        }
    }
}
