package org.gantry.backend.seq2seq.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.backend.WorkingMemory;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.tensor.Tensor;
import org.gantry.engine.tokenizers.TokenizersEngine;
import org.gantry.repository.internal.ModelConfigParser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/** The committed tiny model, DJL's real engine and tokenizers outside OSGi, and a counting memory manager. */
final class Fixture {

    static final Path MODEL = folder();
    static final JsonNode EXPECTED = read(MODEL.resolve("expected.json"));

    private Fixture() {
    }

    /** The example model (scripts/fixtures/make-seq2seq-fixtures.py writes it into the example repository). */
    private static Path folder() {
        return Path.of(System.getProperty("gantry.examples"), "tiny_seq2seq");
    }

    private static JsonNode read(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Outside OSGi the tokenizers engine is DJL's class itself. */
    static final TokenizersEngine TOKENIZERS = (path, options) -> HuggingFaceTokenizer.newInstance(path, options);

    record Context(ModelConfig config, long version, Path modelDirectory, WorkingMemory workingMemory)
            implements
                ModelLoadContext {
        /** A context whose working memory has no limit. */
        Context(ModelConfig config, long version, Path modelDirectory) {
            this(config, version, modelDirectory, new CountingMemory());
        }

        @Override
        public Device device() {
            return Device.CPU;
        }
    }

    /** The fixture's configuration with some parameters replaced. */
    static ModelConfig config(Map<String, String> overrides) {
        try {
            ModelConfig parsed = ModelConfigParser.parse(Files.readString(MODEL.resolve("config.pbtxt")),
                    "tiny_seq2seq",
                    "config.pbtxt");
            Map<String, String> parameters = new HashMap<>(parsed.parameters());
            parameters.putAll(overrides);
            return new ModelConfig(parsed.name(), parsed.platform(), parsed.backend(), parsed.maxBatchSize(),
                    parsed.inputs(), parsed.outputs(), null, null, parameters, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Seq2SeqModel load(Seq2SeqBackend backend, CountingMemory memory, Map<String, String> overrides) {
        ModelConfig config = config(overrides);
        ModelConfig completed = backend.complete(new Context(config, 1, MODEL, memory));
        return (Seq2SeqModel) backend.load(new Context(completed, 1, MODEL, memory));
    }

    static Seq2SeqBackend backend() {
        return new Seq2SeqBackend(Engine.getEngine("PyTorch"), TOKENIZERS);
    }

    static InferenceRequest request(String text, Map<String, Object> parameters) {
        return new InferenceRequest(null, parameters, List.of(Tensor.ofBytes(Seq2SeqModel.INPUT, new long[] { 1 },
                List.of(text.getBytes(StandardCharsets.UTF_8)))), null);
    }

    static long[] ids(List<Tensor> outputs) {
        Tensor ids = outputs.stream().filter(t -> t.name().equals(Seq2SeqModel.IDS_OUTPUT)).findFirst().orElseThrow();
        long[] values = new long[(int) ids.elementCount()];
        ids.data().asLongBuffer().get(values);
        return values;
    }

    static String text(List<Tensor> outputs) {
        return outputs.stream().filter(t -> t.name().equals(Seq2SeqModel.TEXT_OUTPUT)).findFirst().orElseThrow()
                .bytesElementsAsStrings().get(0);
    }

    static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    /** Working memory that counts its allocations: {@code capacity} bytes at most, beyond that INSUFFICIENT_MEMORY. */
    static final class CountingMemory implements WorkingMemory {
        final AtomicLong inUse = new AtomicLong();
        final AtomicLong leases = new AtomicLong();
        final AtomicLong peak = new AtomicLong();
        volatile long capacity = Long.MAX_VALUE;
        final List<String> names = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public synchronized Allocation allocate(String purpose, long bytes) {
            if (inUse.get() + bytes > capacity) {
                throw new GantryException(ErrorKind.INSUFFICIENT_MEMORY, "test budget full");
            }
            inUse.addAndGet(bytes);
            peak.accumulateAndGet(inUse.get(), Math::max);
            leases.incrementAndGet();
            names.add(purpose);
            return new Allocation() {
                private boolean closed;

                @Override
                public long bytes() {
                    return bytes;
                }

                @Override
                public void close() {
                    synchronized (CountingMemory.this) {
                        if (!closed) {
                            closed = true;
                            inUse.addAndGet(-bytes);
                            leases.decrementAndGet();
                        }
                    }
                }
            };
        }
    }
}
