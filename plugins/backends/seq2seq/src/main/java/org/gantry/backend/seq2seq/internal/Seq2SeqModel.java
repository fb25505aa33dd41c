package org.gantry.backend.seq2seq.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.backend.ResponseSink;
import org.gantry.api.backend.WorkingMemory;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.backend.seq2seq.internal.GenerationSettings.Limits;

import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

/**
 * A loaded encoder-decoder: each request is tokenised and encoded on its own thread, then joins the
 * {@link DecodeLoop}, which decodes every running request together one token at a time. The request's thread
 * turns its tokens into text and sends them. Room in the batch (decoder rows, key/value cache bytes leased as the
 * load context's working memory) is taken before a request joins; without room it waits.
 */
final class Seq2SeqModel implements LoadedModel {

    static final String INPUT = "text_input";
    static final String TEXT_OUTPUT = "text_output";
    static final String IDS_OUTPUT = "output_ids";

    private final ModelConfig config;
    private final Model encoder;
    private final Model decoder;
    private final HuggingFaceTokenizer tokenizer;
    private final DecodeLoop.ModelShape shape;
    private final Limits limits;
    private final GenerationSettings defaults;
    private final WorkingMemory memory;
    private final long footprint;
    private final DecodeStatistics statistics = new DecodeStatistics();
    private final DecodeLoop loop;
    private final boolean withIds;

    /** Room taken by admitted requests; guarded by itself. */
    private final Object room = new Object();
    private int rowsInUse;
    private long cacheBytesInUse;

    /** Takes the context's configuration, version and working memory; runs on the CPU, where the modules are. */
    Seq2SeqModel(ModelLoadContext context, Model encoder, Model decoder, HuggingFaceTokenizer tokenizer,
            DecodeLoop.ModelShape shape, Limits limits, GenerationSettings defaults, long footprint) {
        this.config = context.config();
        this.encoder = encoder;
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.shape = shape;
        this.limits = limits;
        this.defaults = defaults;
        this.memory = context.workingMemory();
        this.footprint = footprint;
        this.withIds = config.output(IDS_OUTPUT).isPresent();
        this.loop = new DecodeLoop("'" + config.name() + "' version " + context.version(), decoder, shape,
                statistics);
    }

    /** Requests of this model run together: as many as the batch has rows. */
    @Override
    public int concurrency() {
        return limits.maxBatch();
    }

    @Override
    public List<Tensor> infer(InferenceRequest request) {
        StringBuilder text = new StringBuilder();
        List<Long> ids = new ArrayList<>();
        generate(request, (piece, id, last) -> {
            text.append(piece);
            ids.add(id);
        });
        List<Tensor> outputs = new ArrayList<>(2);
        outputs.add(
                Tensor.ofBytes(TEXT_OUTPUT, textShape(), List.of(text.toString().getBytes(StandardCharsets.UTF_8))));
        if (withIds) {
            outputs.add(ids(ids.stream().mapToLong(Long::longValue).toArray()));
        }
        return outputs;
    }

    /** One response per generated token: its new text and its id; the last one marked. */
    @Override
    public void inferStream(InferenceRequest request, ResponseSink responses) {
        generate(request, (piece, id, last) -> {
            List<Tensor> outputs = new ArrayList<>(2);
            outputs.add(Tensor.ofBytes(TEXT_OUTPUT, textShape(), List.of(piece.getBytes(StandardCharsets.UTF_8))));
            if (withIds) {
                outputs.add(ids(new long[] { id }));
            }
            responses.send(outputs, last);
        });
    }

    private long[] textShape() {
        return config.batched() ? new long[] { 1, 1 } : new long[] { 1 };
    }

    private Tensor ids(long[] values) {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(values.length * 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            buffer.putLong(value);
        }
        long[] dims = config.batched() ? new long[] { 1, values.length } : new long[] { values.length };
        return Tensor.of(IDS_OUTPUT, DataType.INT64, dims, buffer.flip());
    }

    @FunctionalInterface
    private interface TokenSink {
        void accept(String piece, long id, boolean last);
    }

    private void generate(InferenceRequest request, TokenSink out) {
        GenerationSettings settings = defaults.withRequest(request.parameters(), limits);
        long[] source = tokenize(request);
        int rows = settings.rows();
        if (rows > limits.maxBatch()) {
            throw GantryException.invalidArgument("parameter 'num_beams' (%d) is more than the model's max_batch (%d)",
                    rows, limits.maxBatch());
        }
        long bytes = cacheBytes(rows, source.length, settings.maxNewTokens());
        if (bytes > limits.kvCacheBytes()) {
            throw GantryException.invalidArgument(
                    "model '%s': %d new tokens with %d beam(s) for %d input tokens need %d"
                            + " bytes of key/value cache, more than its kv_cache_bytes (%d);"
                            + " lower max_new_tokens or num_beams",
                    config.name(), settings.maxNewTokens(), rows, source.length, bytes, limits.kvCacheBytes());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.admissionTimeoutMs());
        takeRoom(rows, bytes, deadline);
        WorkingMemory.Allocation lease = null;
        Sequence sequence = null;
        try (NDManager manager = encoder.getNDManager().newSubManager()) {
            lease = leaseCache(bytes, deadline);
            sequence = new Sequence(settings, encode(manager, source), source.length);
            loop.submit(sequence);
            TextStream text = new TextStream(ids -> tokenizer.decode(ids, true), settings.stop());
            while (true) {
                Object event = take(sequence);
                if (event instanceof Sequence.Failure failure) {
                    throw failure.error();
                }
                if (event instanceof Sequence.Token token) {
                    String piece = text.next(token.id(), token.last());
                    boolean last = token.last() || text.stopped();
                    out.accept(piece, token.id(), last);
                    if (last) {
                        break;
                    }
                } else if (event instanceof Sequence.BeamResult beam) {
                    long[] ids = beam.ids();
                    for (int i = 0; i < ids.length; i++) {
                        boolean last = i == ids.length - 1;
                        String piece = text.next(ids[i], last);
                        out.accept(piece, ids[i], last || text.stopped());
                        if (text.stopped()) {
                            break;
                        }
                    }
                    break;
                }
            }
        } finally {
            // A stop string, a failed send (the client went away) or an error: the loop drops the sequence at the
            // next step; its room and lease are freed only once the loop no longer holds its cache.
            if (sequence != null) {
                sequence.cancel();
                awaitRemoval(sequence);
            }
            if (lease != null) {
                lease.close();
            }
            giveRoom(rows, bytes);
        }
    }

    private long[] tokenize(InferenceRequest request) {
        Tensor input = request.input(INPUT);
        if (input == null || input.elementCount() != 1) {
            throw GantryException.invalidArgument("model '%s' takes one string in input '%s'%s", config.name(), INPUT,
                    input == null ? "" : ", not " + input.elementCount());
        }
        String text = input.bytesElementsAsStrings().get(0);
        if (text.isBlank()) {
            throw GantryException.invalidArgument("input '%s' of model '%s' is empty: give a text to generate from",
                    INPUT, config.name());
        }
        long[] ids = tokenizer.encode(text).getIds();
        if (ids.length == 0) {
            throw GantryException.invalidArgument("input '%s' of model '%s' has no tokens", INPUT, config.name());
        }
        if (ids.length > limits.maxInputTokens()) {
            throw GantryException.invalidArgument("input '%s' of model '%s' has %d tokens, more than its"
                    + " max_input_tokens (%d)", INPUT, config.name(), ids.length, limits.maxInputTokens());
        }
        return ids;
    }

    /** The encoder's states for the source, [1, s, d], owned by {@code manager}. */
    private NDArray encode(NDManager manager, long[] source) {
        long[] mask = new long[source.length];
        java.util.Arrays.fill(mask, 1L);
        try {
            NDList outputs = encoder.getBlock().forward(new ParameterStore(manager, false),
                    new NDList(manager.create(source, new Shape(1, source.length)),
                            manager.create(mask, new Shape(1, source.length))),
                    false);
            outputs.attach(manager);
            return outputs.get(0);
        } catch (EngineException e) {
            throw GantryException.invalidArgument("the encoder of model '%s' rejected the input: %s", config.name(),
                    Seq2SeqBackend.firstLine(e.getMessage()));
        }
    }

    /**
     * Bytes one request's decoding holds at most: the key/value cache of its rows for every new token, twice (a
     * step holds the cache it reads and the grown one it returns), and its encoder states per row.
     */
    long cacheBytes(int rows, int sourceTokens, int newTokens) {
        return rows
                * (2L * newTokens * shape.cacheBytesPerToken() + (long) sourceTokens * shape.hidden() * Float.BYTES);
    }

    private void takeRoom(int rows, long bytes, long deadline) {
        synchronized (room) {
            while (rowsInUse + rows > limits.maxBatch() || cacheBytesInUse + bytes > limits.kvCacheBytes()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new GantryException(ErrorKind.UNAVAILABLE, String.format("model '%s' had no room in its"
                            + " batch for %d ms (%d of %d rows, %d of %d cache bytes in use); retry shortly",
                            config.name(), limits.admissionTimeoutMs(), rowsInUse, limits.maxBatch(), cacheBytesInUse,
                            limits.kvCacheBytes()), null, 1);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(room, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw GantryException.unavailable("interrupted while waiting for room in model '%s'",
                            config.name());
                }
            }
            rowsInUse += rows;
            cacheBytesInUse += bytes;
        }
    }

    private void giveRoom(int rows, long bytes) {
        synchronized (room) {
            rowsInUse -= rows;
            cacheBytesInUse -= bytes;
            room.notifyAll();
        }
    }

    /** Leases the cache as working memory; while memory is short, waits for others to free some. */
    private WorkingMemory.Allocation leaseCache(long bytes, long deadline) {
        while (true) {
            try {
                return memory.allocate("decoder cache", bytes);
            } catch (GantryException e) {
                if (e.kind() != ErrorKind.INSUFFICIENT_MEMORY || System.nanoTime() > deadline) {
                    throw e;
                }
                synchronized (room) {
                    try {
                        room.wait(20); // woken early when a request of this model frees its room
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }
    }

    private static Object take(Sequence sequence) {
        try {
            return sequence.events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GantryException.unavailable("interrupted while generating");
        }
    }

    private void awaitRemoval(Sequence sequence) {
        boolean interrupted = false;
        while (true) {
            try {
                if (sequence.removed.await(30, TimeUnit.SECONDS) || !loop.alive()) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Decode steps and their batch sizes so far. */
    DecodeStatistics.Snapshot statistics() {
        return statistics.snapshot();
    }

    /** Decoder rows and cache bytes that admitted requests hold now. */
    long[] roomInUse() {
        synchronized (room) {
            return new long[] { rowsInUse, cacheBytesInUse };
        }
    }

    GenerationSettings defaults() {
        return defaults;
    }

    @Override
    public long footprintBytes() {
        return footprint;
    }

    @Override
    public void close() {
        loop.close();
        try {
            tokenizer.close();
        } finally {
            try {
                decoder.close();
            } finally {
                encoder.close();
            }
        }
    }
}
