package org.gantry.traffic.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.server.ModelServer;
import org.gantry.api.traffic.Exchange;
import org.gantry.api.traffic.ExchangeInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends copies of answered requests to a model's shadow on threads of its own and compares the answers. The request
 * path only draws the sample and offers the copy to a bounded queue; a full queue skips the copy. Copies to a shadow
 * that batches dynamically wait until there are as many as its largest batch (or {@code shadowBatchWaitMillis} has
 * passed) and go together, so its batcher runs one batch for them: sent one by one, each copy would cost a whole
 * execution, and a 10 % shadow of a model that runs batches of 16 would nearly double the executions. Before a copy is
 * sent the shadow yields to memory pressure: with less than the headroom free on every device no copy goes (so no
 * shadow load evicts a primary's model, and an idle shadow version is what eviction picks first). Copies go at the
 * shadow model's lowest priority level where it has levels, so they never queue ahead of its own requests.
 */
final class ShadowRunner implements AutoCloseable {

    /** The value of {@link ExchangeInterceptor#ORIGIN_PARAMETER} on a shadow's copies. */
    static final String ORIGIN = "shadow";
    private static final Logger LOG = LoggerFactory.getLogger(ShadowRunner.class);

    private final Supplier<ModelServer> server;
    private final MemoryManager memory;
    private final double headroom;
    private final ThreadPoolExecutor threads;
    private final Map<String, Burst> bursts = new ConcurrentHashMap<>();
    /** Sends a group that did not fill up once its first copy has waited {@link #batchWaitMillis}. */
    private final ScheduledExecutorService flusher;
    private final long batchWaitMillis;

    ShadowRunner(Supplier<ModelServer> server, MemoryManager memory, TrafficConfig config) {
        this.server = server;
        this.memory = memory;
        this.headroom = config.shadowMemoryHeadroomPercent() / 100.0;
        this.flusher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "gantry-shadow-flush");
            thread.setDaemon(true);
            return thread;
        });
        this.batchWaitMillis = Math.max(1, config.shadowBatchWaitMillis());
        BlockingQueue<Runnable> queue = config.shadowQueueSize() == 0 ? new SynchronousQueue<>()
                : new ArrayBlockingQueue<>(config.shadowQueueSize());
        AtomicInteger count = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(config.shadowThreads(), config.shadowThreads(), 0, TimeUnit.SECONDS,
                queue, task -> {
                    Thread thread = new Thread(task, "gantry-shadow-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** Called on the request's thread: draws the sample and queues the copy, or counts it skipped. */
    void offer(Exchange exchange, TrafficSettings settings, ShadowTally tally) {
        if (settings.shadowPercent() < 100 && ThreadLocalRandom.current().nextDouble(100) >= settings.shadowPercent()) {
            return;
        }
        Copy copy = new Copy(exchange, settings, tally);
        int batch = Math.min(settings.shadowBatchSize(), threads.getMaximumPoolSize());
        if (batch <= 1) {
            submit(List.of(copy));
            return;
        }
        Burst burst = bursts.computeIfAbsent(settings.shadowModel() + "/" + settings.shadowVersion(),
                target -> new Burst());
        List<Copy> full = null;
        long startedGroup = -1;
        synchronized (burst) {
            if (burst.copies.isEmpty()) {
                startedGroup = burst.group;
            }
            burst.copies.add(copy);
            if (burst.copies.size() >= batch) {
                full = burst.take();
            }
        }
        if (full != null) {
            submit(full);
        } else if (startedGroup >= 0) {
            long group = startedGroup;
            try {
                flusher.schedule(() -> submit(burst.takeIf(group)), batchWaitMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                submit(burst.takeIf(group)); // the runner is closing: the copies are counted skipped
            }
        }
    }

    private void submit(List<Copy> copies) {
        for (Copy copy : copies) {
            try {
                threads.execute(() -> run(copy));
            } catch (RejectedExecutionException full) {
                copy.tally().skipped.increment();
            }
        }
    }

    /**
     * Copies waiting to go to one shadow together. Each group that leaves gets the next number, so that the flush
     * scheduled for a group that filled up and left never sends the next one early.
     */
    private static final class Burst {
        final List<Copy> copies = new ArrayList<>();
        long group;

        /** The group, and a fresh one begins; called holding this burst's lock. */
        List<Copy> take() {
            List<Copy> taken = List.copyOf(copies);
            copies.clear();
            group++;
            return taken;
        }

        /** What waits, however few, unless {@code expected} has left already. */
        synchronized List<Copy> takeIf(long expected) {
            return group == expected ? take() : List.of();
        }
    }

    /** One copy on its way to the shadow. */
    private record Copy(Exchange exchange, TrafficSettings settings, ShadowTally tally) {
    }

    private void run(Copy copy) {
        Exchange exchange = copy.exchange();
        TrafficSettings settings = copy.settings();
        ShadowTally tally = copy.tally();
        if (memoryShort()) {
            tally.skipped.increment();
            return;
        }
        tally.sent.increment();
        InferenceResponse answer;
        try {
            answer = server.get().infer(settings.shadowModel(), settings.shadowVersion(),
                    copy(exchange.request(), settings.priorityLevels()));
        } catch (RuntimeException e) {
            tally.failed.increment();
            LOG.debug("Shadow {} of model '{}' failed", settings.shadowModel(), exchange.model(), e);
            return;
        }
        tally.compare(exchange.response().outputs(), answer.outputs(), settings.tolerance());
    }

    /** The caller's request, marked as the shadow's own, at the lowest priority, without the caller's timeout. */
    static InferenceRequest copy(InferenceRequest request, int priorityLevels) {
        Map<String, Object> parameters = new HashMap<>(request.parameters());
        parameters.remove("timeout");
        parameters.remove("priority");
        if (priorityLevels > 0) {
            parameters.put("priority", priorityLevels);
        }
        parameters.put(ExchangeInterceptor.ORIGIN_PARAMETER, ORIGIN);
        return new InferenceRequest(request.id(), parameters, request.inputs(), request.outputs());
    }

    /** No device has the headroom free (a device without a budget does not count). */
    private boolean memoryShort() {
        if (headroom <= 0) {
            return false;
        }
        boolean anyDevice = false;
        for (MemoryReport.DeviceMemory device : memory.report().devices()) {
            if (device.budgetBytes() <= 0) {
                continue;
            }
            anyDevice = true;
            long free = device.budgetBytes() - device.usedBytes() - device.freeingBytes();
            if (free >= headroom * device.budgetBytes()) {
                return false;
            }
        }
        return anyDevice;
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        threads.shutdownNow();
    }
}
