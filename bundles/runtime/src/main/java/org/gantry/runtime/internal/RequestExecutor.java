package org.gantry.runtime.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ResponseSink;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelServer;
import org.gantry.api.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path: admits a request to a loaded version (loading it first if need be), validates it, queues it
 * for an execution slot (batched with others where the model asks for it), runs it and answers, recording the
 * version's statistics and telling the listeners.
 */
final class RequestExecutor {

    /** What the request path asks of the runtime. */
    interface Admission {
        /**
         * Finds the version a request is for and makes sure it is loaded (within the deadline); the caller must
         * {@link ModelVersion#acquire()} it next.
         */
        ModelVersion resolve(String modelName, String version, long deadlineNanos);
    }

    /** How often a request reloads a model that memory pressure evicted before the request got to run. */
    static final int MAX_ADMISSION_ATTEMPTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(RequestExecutor.class);

    private final Admission admission;
    private final ModelEvents events;
    private final MemoryRetry retry;
    private final int maxQueueSize;

    RequestExecutor(Admission admission, ModelEvents events, MemoryRetry retry, int maxQueueSize) {
        this.admission = admission;
        this.events = events;
        this.retry = retry;
        this.maxQueueSize = maxQueueSize;
    }

    InferenceResponse infer(String modelName, String version, InferenceRequest request) {
        InferenceResponse[] answer = new InferenceResponse[1];
        execute(modelName, version, request, false, response -> answer[0] = response);
        return answer[0];
    }

    void inferStream(String modelName, String version, InferenceRequest request,
            Consumer<InferenceResponse> responses) {
        execute(modelName, version, request, true, responses);
    }

    private void execute(String modelName, String version, InferenceRequest request, boolean stream,
            Consumer<InferenceResponse> responses) {
        long started = System.nanoTime();
        long requestedTimeout = RequestScheduling.timeoutMicros(request);
        long loadDeadline = requestedTimeout > 0 ? started + TimeUnit.MICROSECONDS.toNanos(requestedTimeout)
                : ExecutionQueue.NO_DEADLINE;
        ModelVersion target = admission.resolve(modelName, version, loadDeadline);
        ModelInstances model = target.acquire();
        for (int attempt = 1; model == null && attempt < MAX_ADMISSION_ATTEMPTS; attempt++) {
            // Evicted between its load and this request's admission: load it again rather than fail.
            target = admission.resolve(modelName, version, loadDeadline);
            model = target.acquire();
        }
        if (model == null) {
            throw GantryException.unavailable("model '%s' version %d was unloaded %d times while this request waited"
                    + " (memory is short); retry shortly", modelName, target.version(), MAX_ADMISSION_ATTEMPTS);
        }
        long admittedVersion = target.version();
        events.tell(l -> l.inferenceStarted(modelName, admittedVersion));
        VersionStatistics statistics = target.statistics();
        ModelConfig config = target.config();
        boolean succeeded = false;
        try {
            long validating = System.nanoTime();
            InferenceRequest valid = RequestValidator.validate(config, request);
            long validation = System.nanoTime() - validating;
            long rows = config.batched() && !valid.inputs().isEmpty() ? valid.inputs().get(0).dim(0) : 1;
            ExecutionQueue.Ticket ticket = RequestScheduling.ticket(config, request, started, maxQueueSize);
            String servedVersion = Long.toString(target.version());
            ModelInstances running = model;
            ModelVersion serving = target;
            ExecutionQueue.Outcome outcome;
            if (stream) {
                // A stream runs alone, delivering each response as the model produces it.
                outcome = target.queue().submit(valid, rows, false, ticket, (batch, instance) -> {
                    long began = System.nanoTime();
                    long[] outputNanos = new long[1];
                    streamResponses(serving, running.model(instance), config, request, batch.get(0), servedVersion,
                            responses, outputNanos);
                    long inferNanos = System.nanoTime() - began - outputNanos[0];
                    statistics.execution(rows, validation, inferNanos, outputNanos[0]);
                    statistics.computeInfer.add(inferNanos);
                    statistics.computeOutput.add(outputNanos[0]);
                    return List.of(List.of());
                });
            } else {
                outcome = target.queue().submit(valid, rows, true, ticket,
                        (batch, instance) -> runBatch(serving, running.model(instance), batch, validation));
            }
            statistics.queue.add(outcome.startedNanos() - started);
            statistics.computeInput.add(validation);
            statistics.inferences.add(rows);
            if (!stream) {
                long outputStarted = System.nanoTime();
                List<Tensor> outputs = RequestValidator.selectOutputs(config, request.outputs(), outcome.outputs());
                InferenceResponse response = new InferenceResponse(modelName, servedVersion, request.id(), Map.of(),
                        outputs);
                statistics.computeOutput.add(System.nanoTime() - outputStarted);
                responses.accept(response);
            }
            succeeded = true;
        } finally {
            target.release();
            long duration = System.nanoTime() - started;
            (succeeded ? statistics.success : statistics.fail).add(duration);
            statistics.lastInferenceMillis = System.currentTimeMillis();
            long servedVersion = target.version();
            boolean success = succeeded;
            events.tell(l -> l.inferenceCompleted(modelName, servedVersion, duration, success));
        }
    }

    /**
     * Runs one batch: the requests stacked into one execution (or the single request as it is), then the outputs
     * split back per request. Runs on whichever caller thread holds the execution slot.
     */
    private List<List<Tensor>> runBatch(ModelVersion target, LoadedModel model, List<InferenceRequest> batch,
            long validationNanos) {
        VersionStatistics statistics = target.statistics();
        long began = System.nanoTime();
        InferenceRequest merged = batch.size() == 1 ? batch.get(0) : Batches.stack(batch);
        long stacked = System.nanoTime();
        List<Tensor> produced = retry.run(target::lease, () -> guarded(target, () -> model.infer(merged)));
        long inferred = System.nanoTime();
        long[] rows = new long[batch.size()];
        ModelConfig config = target.config();
        for (int i = 0; i < rows.length; i++) {
            rows[i] = config != null && config.batched() ? batch.get(i).inputs().get(0).dim(0) : 1;
        }
        List<List<Tensor>> perRequest = batch.size() == 1 ? List.of(produced) : Batches.split(produced, rows);
        long split = System.nanoTime();
        statistics.execution(Arrays.stream(rows).sum(), validationNanos + stacked - began, inferred - stacked,
                split - inferred);
        for (int i = 0; i < batch.size(); i++) {
            statistics.computeInfer.add(inferred - stacked); // each request waited for the whole execution
        }
        return perRequest;
    }

    private static void streamResponses(ModelVersion target, LoadedModel model, ModelConfig config,
            InferenceRequest request, InferenceRequest valid, String servedVersion,
            Consumer<InferenceResponse> responses, long[] outputNanos) {
        boolean[] finished = new boolean[1];
        ResponseSink sink = (produced, last) -> {
            if (finished[0]) {
                throw new IllegalStateException("a response was sent after the final one");
            }
            finished[0] = last;
            long outputStarted = System.nanoTime();
            List<Tensor> outputs = RequestValidator.selectOutputs(config, request.outputs(), produced);
            InferenceResponse response = new InferenceResponse(target.modelName(), servedVersion, request.id(),
                    Map.of(ModelServer.FINAL_RESPONSE, last), outputs);
            outputNanos[0] += System.nanoTime() - outputStarted;
            responses.accept(response);
        };
        guarded(target, () -> {
            model.inferStream(valid, sink);
            return null;
        });
        if (!finished[0]) { // the model did not know its last response was the last: close the stream
            responses.accept(new InferenceResponse(target.modelName(), servedVersion, request.id(),
                    Map.of(ModelServer.FINAL_RESPONSE, true), List.of()));
        }
    }

    /** Runs a backend call, turning engine faults into INTERNAL errors with the model named. */
    private static <T> T guarded(ModelVersion target, Supplier<T> call) {
        try {
            return call.get();
        } catch (GantryException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Inference of model '{}' version {} failed", target.modelName(), target.version(), e);
            throw GantryException.internal(String.format("model '%s' version %d failed to run: %s",
                    target.modelName(), target.version(), e), e);
        }
    }
}
