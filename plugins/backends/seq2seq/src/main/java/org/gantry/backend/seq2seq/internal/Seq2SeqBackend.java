package org.gantry.backend.seq2seq.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.engine.tokenizers.TokenizersEngine;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

/**
 * The backend {@code seq2seq} (platform {@code seq2seq}): text generation with an encoder-decoder whose loop runs
 * in Java. A version folder holds {@code encoder.pt} and {@code decoder.pt} (TorchScript, the contract in this
 * module's README) and a {@code tokenizer.json} (there or in the model folder); {@code config.pbtxt} declares
 * {@code text_input} (BYTES), {@code text_output} (BYTES) and optionally {@code output_ids} (INT64), and sets the
 * generation defaults and limits in {@code parameters}.
 *
 * <p>It uses DJL's PyTorch engine from {@code org.gantry.engine.pytorch} and the tokenizers from
 * {@code org.gantry.engine.tokenizers} and loads no native library itself, so this bundle can be updated while
 * the server runs.
 */
@Component(service = Backend.class)
public final class Seq2SeqBackend implements Backend {

    static final String ENCODER_FILE = "encoder.pt";
    static final String DECODER_FILE = "decoder.pt";
    static final String TOKENIZER_FILE = "tokenizer.json";

    private final Engine engine;
    private final TokenizersEngine tokenizers;

    @Activate
    public Seq2SeqBackend(@Reference(target = "(djl.engine=PyTorch)") Engine engine,
            @Reference TokenizersEngine tokenizers) {
        this.engine = engine;
        this.tokenizers = tokenizers;
    }

    @Override
    public String name() {
        return "seq2seq";
    }

    /** Text in, text (and optionally ids) out; fills in what a configuration leaves out. */
    @Override
    public ModelConfig complete(ModelLoadContext context) {
        ModelConfig config = context.config();
        List<Long> one = List.of(1L);
        List<TensorConfig> inputs = config.inputs().isEmpty()
                ? List.of(new TensorConfig(Seq2SeqModel.INPUT, DataType.BYTES, one)) : config.inputs();
        List<TensorConfig> outputs = config.outputs().isEmpty()
                ? List.of(new TensorConfig(Seq2SeqModel.TEXT_OUTPUT, DataType.BYTES, one)) : config.outputs();
        if (inputs.size() != 1 || !inputs.get(0).name().equals(Seq2SeqModel.INPUT)
                || inputs.get(0).dataType() != DataType.BYTES) {
            throw GantryException.invalidArgument("model '%s': a seq2seq model has one input, '%s' of TYPE_STRING",
                    config.name(), Seq2SeqModel.INPUT);
        }
        for (TensorConfig output : outputs) {
            boolean text = output.name().equals(Seq2SeqModel.TEXT_OUTPUT) && output.dataType() == DataType.BYTES;
            boolean ids = output.name().equals(Seq2SeqModel.IDS_OUTPUT) && output.dataType() == DataType.INT64;
            if (!text && !ids) {
                throw GantryException.invalidArgument("model '%s': output '%s' is neither '%s' (TYPE_STRING) nor '%s'"
                        + " (TYPE_INT64)", config.name(), output.name(), Seq2SeqModel.TEXT_OUTPUT,
                        Seq2SeqModel.IDS_OUTPUT);
            }
        }
        if (outputs.stream().noneMatch(o -> o.name().equals(Seq2SeqModel.TEXT_OUTPUT))) {
            throw GantryException.invalidArgument("model '%s' must declare output '%s' (TYPE_STRING)", config.name(),
                    Seq2SeqModel.TEXT_OUTPUT);
        }
        for (String key : config.parameters().keySet()) {
            if (!KNOWN_PARAMETERS.contains(key)) {
                throw GantryException.invalidArgument("model '%s': unknown parameter '%s'; known: %s", config.name(),
                        key, KNOWN_PARAMETERS);
            }
        }
        return config.withTensors(inputs, outputs);
    }

    static final Set<String> KNOWN_PARAMETERS = Set.of("max_new_tokens", "eos_token_id", "pad_token_id",
            "decoder_start_token_id", "decoding", "num_beams", "temperature", "top_k", "top_p", "seed", "stop",
            "max_new_tokens_limit", "max_batch", "kv_cache_bytes", "max_input_tokens", "admission_timeout_ms",
            "num_layers", "num_heads", "head_size",
            "tokenizer_file", "pinned", "keep_warm_min_residency_seconds", "keep_warm_interval_seconds");

    @Override
    public LoadedModel load(ModelLoadContext context) {
        ModelConfig config = context.config();
        Path directory = context.versionDirectory();
        Path encoderFile = require(config, context, directory.resolve(ENCODER_FILE), "TorchScript encoder");
        Path decoderFile = require(config, context, directory.resolve(DECODER_FILE), "TorchScript decoder");
        Path tokenizerFile = require(config, context, context.resolveInVersionOrModel("tokenizer_file",
                TOKENIZER_FILE), "tokenizer");
        GenerationSettings.Limits limits = GenerationSettings.Limits.of(config.parameters());
        Model encoder = null;
        Model decoder = null;
        HuggingFaceTokenizer tokenizer = null;
        try {
            encoder = loadModule(config, context, encoderFile);
            decoder = loadModule(config, context, decoderFile);
            try {
                tokenizer = tokenizers.open(tokenizerFile, Map.of("addSpecialTokens", "false", "truncation", "false",
                        "maxLength", Integer.toString(limits.maxInputTokens()),
                        "padding", "false"));
            } catch (IOException | RuntimeException e) {
                throw GantryException.invalidArgument("model '%s': %s is not a HuggingFace tokenizer: %s",
                        config.name(), tokenizerFile, firstLine(e.getMessage()));
            }
            DecodeLoop.ModelShape shape = probe(config, encoder, decoder);
            GenerationSettings defaults = GenerationSettings.defaults(config.parameters(), limits, shape.vocabulary());
            long footprint = Files.size(encoderFile) + Files.size(decoderFile);
            return new Seq2SeqModel(context, encoder, decoder, tokenizer, shape, limits, defaults, footprint);
        } catch (IOException | RuntimeException e) {
            closeQuietly(tokenizer, decoder, encoder);
            if (e instanceof GantryException g) {
                throw g;
            }
            throw GantryException.invalidArgument("model '%s' version %d cannot be loaded: %s", config.name(),
                    context.version(), firstLine(e.getMessage()));
        }
    }

    private static Path require(ModelConfig config, ModelLoadContext context, Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw GantryException.invalidArgument("model '%s' version %d has no %s file %s", config.name(),
                    context.version(), what, file);
        }
        return file;
    }

    private Model loadModule(ModelConfig config, ModelLoadContext context, Path file) {
        Model model = Model.newInstance(config.name() + ":" + context.version() + ":" + file.getFileName(),
                ai.djl.Device.cpu(), engine.getEngineName());
        try {
            model.load(file.getParent(), file.getFileName().toString());
            return model;
        } catch (MalformedModelException | EngineException | IOException | IllegalArgumentException e) {
            model.close();
            throw GantryException.invalidArgument("model '%s' version %d: %s is not a loadable TorchScript module: %s",
                    config.name(), context.version(), file, firstLine(e.getMessage()));
        }
    }

    /**
     * Runs the encoder on one token and the decoder's first step, which checks the contract and reads the
     * dimensions: layers, heads and head size from the returned cache, the hidden size, the vocabulary.
     */
    static DecodeLoop.ModelShape probe(ModelConfig config, Model encoder, Model decoder) {
        try (NDManager manager = NDManager.newBaseManager(encoder.getNDManager().getDevice())) {
            long start = 0;
            NDList encoded = encoder.getBlock().forward(new ParameterStore(manager, false), new NDList(
                    manager.create(new long[] { start }, new Shape(1, 1)),
                    manager.create(new long[] { 1 }, new Shape(1, 1))), false);
            NDArray hidden = encoded.get(0);
            if (hidden.getShape().dimension() != 3) {
                throw contract(config, "the encoder returned " + hidden.getShape() + ", not [b, s, d]");
            }
            int d = (int) hidden.getShape().get(2);
            // The empty first-step cache needs the layout, which the module cannot tell: config.pbtxt does.
            int layers = (int) GenerationSettings.integer(config.parameters()::get, "num_layers", 0, 1, 4096,
                    "the model configuration");
            int heads = (int) GenerationSettings.integer(config.parameters()::get, "num_heads", 0, 1, 4096,
                    "the model configuration");
            if (layers == 0 || heads == 0) {
                throw GantryException.invalidArgument("model '%s' must set parameters num_layers and num_heads (the"
                        + " decoder's layers and attention heads: its cache is [num_layers, b, num_heads, t,"
                        + " head_size])", config.name());
            }
            int headSize = (int) GenerationSettings.integer(config.parameters()::get, "head_size", d / heads, 1, 65536,
                    "the model configuration");
            NDArray empty = manager.zeros(new Shape(layers, 1, heads, 0, headSize));
            NDList first;
            try {
                first = decoder.getBlock().forward(new ParameterStore(manager, false), new NDList(
                        manager.create(new long[] { start }, new Shape(1, 1)),
                        manager.create(new long[] { 0 }, new Shape(1, 1)), hidden,
                        manager.create(new long[] { 1 }, new Shape(1, 1)), empty, empty,
                        manager.create(new long[] { 1 }, new Shape(1, 1))), false);
            } catch (EngineException e) {
                throw contract(config, "the decoder's first step (t = 0) failed: " + firstLine(e.getMessage()));
            }
            Shape expected = new Shape(layers, 1, heads, 1, headSize);
            if (first.size() != 3 || first.get(0).getShape().dimension() != 2
                    || !first.get(1).getShape().equals(expected)
                    || !first.get(2).getShape().equals(expected)) {
                throw contract(config, "the decoder's first step returned " + first.size() + " tensors of shapes "
                        + first.stream().map(a -> a.getShape().toString()).toList() + "; it must return (logits [b, V],"
                        + " new_k " + expected + ", new_v " + expected + ")");
            }
            return new DecodeLoop.ModelShape(layers, heads, headSize, d, (int) first.get(0).getShape().get(1));
        } catch (EngineException e) {
            throw contract(config, firstLine(e.getMessage()));
        }
    }

    private static GantryException contract(ModelConfig config, String what) {
        return GantryException.invalidArgument("model '%s' does not follow the seq2seq module contract (see the"
                + " backend's README): %s", config.name(), what);
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception e) {
                    // already failing; the load's own error is the one to report
                }
            }
        }
    }

    /** The first line of an engine message: libtorch appends C++ stack traces. */
    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
