package org.gantry.rest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.protocol.kserve.ResponseWriter;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * Server-sent events for requests with several responses: one {@code data:} event per response, written as soon
 * as the model produces it. The request runs on its own thread; the HTTP answer waits for its first response, so
 * a request that fails at once (unknown model, bad input) still gets its proper status instead of a 200 stream.
 * When the client goes away, the next response the model sends fails, which ends its generation.
 */
final class ResponseStreams implements AutoCloseable {

    static final String EVENT_STREAM = "text/event-stream";
    /** What the stream says it is, as Triton's generate_stream does: events are UTF-8 by definition. */
    private static final String EVENT_STREAM_UTF8 = EVENT_STREAM + "; charset=utf-8";
    static final Object END = new Object();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ExecutorService producers = Executors.newCachedThreadPool(new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable runnable) {
            Thread thread = new Thread(runnable, "gantry-stream-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    });

    /** Runs {@code request}, which hands each response to the consumer it is given, and streams the responses. */
    Response open(Consumer<Consumer<InferenceResponse>> request) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        AtomicBoolean clientGone = new AtomicBoolean();
        producers.execute(() -> {
            try {
                request.accept(response -> {
                    if (clientGone.get()) {
                        throw GantryException.unavailable("the client closed the stream");
                    }
                    events.add(response);
                });
                events.add(END);
            } catch (RuntimeException | Error e) {
                events.add(e);
            }
        });
        Object first = take(events);
        if (first instanceof RuntimeException failure) {
            throw failure;
        }
        if (first instanceof Error failure) {
            throw failure;
        }
        StreamingOutput stream = out -> writeEvents(first, events, out, clientGone);
        return Response.ok(stream, EVENT_STREAM_UTF8).header("Cache-Control", "no-cache").build();
    }

    /** Writes each response as it arrives, until the end or a failure; a failure is the last event. */
    static void writeEvents(Object first, BlockingQueue<Object> events, OutputStream out, AtomicBoolean clientGone)
            throws IOException {
        try {
            Object event = first;
            while (event != END) {
                if (event instanceof Throwable failure) {
                    writeEvent(out, MAPPER.writeValueAsBytes(Map.of("error", String.valueOf(failure.getMessage()))));
                    return;
                }
                java.io.ByteArrayOutputStream json = new java.io.ByteArrayOutputStream();
                ResponseWriter.writeGenerateResponse((InferenceResponse) event, json);
                writeEvent(out, json.toByteArray());
                event = take(events);
            }
        } catch (IOException e) {
            clientGone.set(true);
            throw e;
        }
    }

    private static void writeEvent(OutputStream out, byte[] json) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.US_ASCII));
        out.write(json);
        out.write("\n\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static Object take(BlockingQueue<Object> events) {
        try {
            return events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return GantryException.unavailable("interrupted while waiting for the model's next response");
        }
    }

    @Override
    public void close() {
        producers.shutdownNow();
    }
}
