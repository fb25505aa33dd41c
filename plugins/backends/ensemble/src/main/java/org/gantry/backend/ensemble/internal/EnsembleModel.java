package org.gantry.backend.ensemble.internal;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.server.ModelInvoker;
import org.gantry.api.tensor.Tensor;

/**
 * A loaded ensemble: runs its plan for each request. A step starts as soon as the tensors it reads exist; the
 * thread that finishes a step goes on with one step it made ready and hands any others to the executor, so a chain
 * runs on one thread and independent branches run in parallel. Only steps that a requested output depends on run.
 * Tensors pass between steps by name, never copied.
 */
final class EnsembleModel implements LoadedModel {

    private final EnsemblePlan plan;
    private final ModelInvoker server;
    private final Executor executor;
    private final List<String> allOutputs;

    EnsembleModel(EnsemblePlan plan, ModelInvoker server, Executor executor) {
        this.plan = plan;
        this.server = server;
        this.executor = executor;
        this.allOutputs = plan.config().outputs().stream().map(TensorConfig::name).toList();
    }

    @Override
    public List<Tensor> infer(InferenceRequest request) {
        boolean every = request.outputs().isEmpty();
        List<String> wanted = every ? allOutputs : request.outputs().stream().map(RequestedOutput::name).toList();
        Execution execution = new Execution(request, every ? plan.stepsForAllOutputs() : plan.stepsFor(wanted));
        execution.run();
        List<Tensor> outputs = new ArrayList<>(wanted.size());
        for (String name : wanted) {
            outputs.add(execution.tensors.get(name));
        }
        return outputs;
    }

    /**
     * Requests run through the ensemble at once up to this many: the ensemble holds nothing, and each step model's
     * own queue, instances and batching decide how its share runs, as in Triton.
     */
    static final int CONCURRENCY = 1024;

    @Override
    public int concurrency() {
        return CONCURRENCY;
    }

    @Override
    public long footprintBytes() {
        return 0; // the step models hold the memory, under leases of their own
    }

    @Override
    public void close() {
        // nothing held: step models stay loaded for other users and are evicted as any model
    }

    /** One request's way through the plan. */
    private final class Execution {
        final Map<String, Tensor> tensors = new ConcurrentHashMap<>();
        final BitSet running;
        final String[] models;
        final Map<String, Object> stepParameters;
        final AtomicIntegerArray waitingFor;
        final AtomicInteger unfinished;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final String requestId;

        Execution(InferenceRequest request, BitSet running) {
            this.running = running;
            this.requestId = request.id();
            List<EnsemblePlan.Step> steps = plan.steps();
            this.models = new String[steps.size()];
            Map<String, Object> forwarded = new HashMap<>(request.parameters());
            for (EnsemblePlan.Step step : steps) {
                // Choices resolve before anything runs, so a bad choice fails the request with nothing done.
                if (running.get(step.index())) {
                    models[step.index()] = step.models().modelFor(request.parameters(), plan.config().name());
                }
                if (step.models().chosenByRequest()) {
                    forwarded.remove(step.models().parameter());
                }
            }
            this.stepParameters = Map.copyOf(forwarded);
            int[] counts = new int[steps.size()];
            for (int i = running.nextSetBit(0); i >= 0; i = running.nextSetBit(i + 1)) {
                counts[i] = plan.producerCount(i);
            }
            this.waitingFor = new AtomicIntegerArray(counts);
            this.unfinished = new AtomicInteger(running.cardinality());
            for (Tensor input : request.inputs()) {
                tensors.put(input.name(), input);
            }
        }

        /** Runs the steps on this thread and the executor's; returns when all are done or one failed. */
        void run() {
            List<Integer> ready = new ArrayList<>();
            for (int i = running.nextSetBit(0); i >= 0; i = running.nextSetBit(i + 1)) {
                if (waitingFor.get(i) == 0) {
                    ready.add(i);
                }
            }
            if (ready.isEmpty()) {
                return; // no output asked for needs a step (cannot happen for a validated plan and known outputs)
            }
            continueWith(ready);
            try {
                done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw GantryException.unavailable("interrupted while ensemble '%s' ran", plan.config().name());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof CompletionException ? e.getCause().getCause() : e.getCause();
                if (cause instanceof GantryException failure) {
                    throw failure;
                }
                throw GantryException.internal("ensemble '" + plan.config().name() + "' failed: " + cause, cause);
            }
        }

        /** Hands all but the first ready step to the executor and runs the first (and what it frees) here. */
        private void continueWith(List<Integer> ready) {
            while (!ready.isEmpty() && !done.isDone()) {
                for (int i = 1; i < ready.size(); i++) {
                    int parallel = ready.get(i);
                    try {
                        executor.execute(() -> continueWith(runStep(parallel)));
                    } catch (RuntimeException e) { // the backend is stopping
                        done.completeExceptionally(GantryException.unavailable("ensemble '%s' cannot run step %d: %s",
                                plan.config().name(), parallel + 1, e));
                    }
                }
                ready = runStep(ready.get(0));
            }
        }

        /** Runs one step; returns the steps its outputs made ready. */
        private List<Integer> runStep(int index) {
            if (done.isDone()) {
                return List.of(); // another step failed: the request is over
            }
            EnsemblePlan.Step step = plan.steps().get(index);
            try {
                List<Tensor> inputs = new ArrayList<>(step.declared().inputMap().size());
                step.declared().inputMap().forEach((stepInput, tensor) -> {
                    Tensor value = tensors.get(tensor);
                    if (value != null) { // an optional ensemble input left out stays out
                        inputs.add(value.withName(stepInput));
                    }
                });
                List<RequestedOutput> outputs = step.declared().outputMap().keySet().stream()
                        .map(RequestedOutput::named).toList();
                InferenceResponse response = server.infer(models[index], step.declared().versionOrNull(),
                        new InferenceRequest(requestId, stepParameters, inputs, outputs));
                for (Tensor output : response.outputs()) {
                    String tensor = step.declared().outputMap().get(output.name());
                    tensors.put(tensor, output.withName(tensor));
                }
            } catch (GantryException e) {
                done.completeExceptionally(new GantryException(e.kind(), String.format("ensemble '%s' %s: %s",
                        plan.config().name(), describe(step, models[index]), e.getMessage()), e,
                        e.retryAfterSeconds().orElse(0)));
                return List.of();
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
                return List.of();
            }
            List<Integer> freed = new ArrayList<>(2);
            for (int next : plan.successors(index)) {
                if (running.get(next) && waitingFor.decrementAndGet(next) == 0) {
                    freed.add(next);
                }
            }
            if (unfinished.decrementAndGet() == 0) {
                done.complete(null);
            }
            return freed;
        }
    }

    private static String describe(EnsemblePlan.Step step, String model) {
        return "step " + (step.index() + 1) + " (model '" + model + "')";
    }
}
