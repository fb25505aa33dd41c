package org.gantry.backend.ensemble.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.EnsembleStep;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;

/**
 * An ensemble's steps as a checked graph: every tensor has exactly one producer (an ensemble input or one step's
 * output), every step input and ensemble output is produced, the steps form no cycle, and every step model exists,
 * has a backend and takes and gives the tensors the step maps. Built once when the ensemble loads, so a broken
 * configuration fails the load with a message naming the problem rather than failing requests.
 */
final class EnsemblePlan {

    /** What the plan needs to know about other models. */
    interface Catalog {
        /** The configuration of a model version (the default version when {@code version} is null). */
        ModelConfig config(String model, String version);

        /** Why no installed backend can serve {@code config}, or null when one can. */
        String missingBackend(ModelConfig config);
    }

    /** One step, with what it reads and writes. */
    record Step(int index, EnsembleStep declared, StepModels models) {
        String describe() {
            return "step " + (index + 1) + " (model '" + declared.modelName() + "')";
        }
    }

    private static final int MAX_NESTING = 16;

    private final ModelConfig config;
    private final List<Step> steps;
    /** Tensor name → index of the step producing it; ensemble inputs are absent. */
    private final Map<String, Integer> producers;
    /** For each step, the steps that consume one of its outputs. */
    private final List<int[]> successors;
    /** For each step, how many distinct steps produce its inputs. */
    private final int[] producerCounts;
    private final BitSet stepsForAllOutputs;

    private EnsemblePlan(ModelConfig config, List<Step> steps, Map<String, Integer> producers) {
        this.config = config;
        this.steps = steps;
        this.producers = producers;
        Graph graph = Graph.of(steps, producers);
        this.producerCounts = graph.producerCounts();
        this.successors = graph.successors();
        this.stepsForAllOutputs = stepsFor(config.outputs().stream().map(TensorConfig::name).toList());
    }

    /**
     * Which steps wait for which: for each step, how many distinct steps produce its inputs, and the steps that
     * consume one of its outputs (ascending).
     */
    private record Graph(int[] producerCounts, List<int[]> successors) {

        static Graph of(List<Step> steps, Map<String, Integer> producers) {
            int[] counts = new int[steps.size()];
            List<Set<Integer>> consumers = new ArrayList<>();
            steps.forEach(s -> consumers.add(new TreeSet<>()));
            for (Step step : steps) {
                Set<Integer> from = producerSteps(step, producers);
                counts[step.index()] = from.size();
                from.forEach(p -> consumers.get(p).add(step.index()));
            }
            return new Graph(counts, consumers.stream().map(c -> c.stream().mapToInt(Integer::intValue).toArray())
                    .toList());
        }
    }

    /** The steps whose outputs {@code step} reads, in index order. */
    private static Set<Integer> producerSteps(Step step, Map<String, Integer> producers) {
        Set<Integer> from = new TreeSet<>();
        for (String tensor : step.declared().inputMap().values()) {
            Integer producer = producers.get(tensor);
            if (producer != null) {
                from.add(producer);
            }
        }
        return from;
    }

    /**
     * Checks an ensemble's configuration against the models it names.
     *
     * @throws GantryException INVALID_ARGUMENT naming the first problem found
     */
    static EnsemblePlan of(ModelConfig config, Catalog catalog) {
        String ensemble = "ensemble '" + config.name() + "'";
        if (config.ensembleSteps().isEmpty()) {
            throw GantryException.invalidArgument("%s has no ensemble_scheduling steps", ensemble);
        }
        if (config.inputs().isEmpty() || config.outputs().isEmpty()) {
            throw GantryException.invalidArgument("%s must declare its inputs and outputs", ensemble);
        }
        if (!config.warmup().isEmpty()) {
            throw GantryException.invalidArgument("%s has model_warmup, which ensembles do not run: warm up its step"
                    + " models instead", ensemble);
        }
        if (config.dynamicBatching() != null) {
            throw GantryException.invalidArgument("%s has dynamic_batching, which ensembles do not use: configure it"
                    + " on its step models", ensemble);
        }
        Map<String, DataType> types = new HashMap<>();
        config.inputs().forEach(t -> types.put(t.name(), t.dataType()));
        Map<String, Integer> producers = new LinkedHashMap<>();
        List<Step> steps = new ArrayList<>();
        for (EnsembleStep declared : config.ensembleSteps()) {
            String described = "step " + (steps.size() + 1) + " (model '" + declared.modelName() + "')";
            Step step = new Step(steps.size(), declared, StepModels.of(declared.modelName(), config,
                    ensemble + " " + described));
            steps.add(step);
            for (String tensor : declared.outputMap().values()) {
                if (types.containsKey(tensor) && !producers.containsKey(tensor)) {
                    throw GantryException.invalidArgument("%s: tensor '%s' is mapped twice: it is an ensemble input"
                            + " and an output of %s", ensemble, tensor, step.describe());
                }
                Integer earlier = producers.putIfAbsent(tensor, step.index());
                if (earlier != null) {
                    throw GantryException.invalidArgument("%s: tensor '%s' is mapped twice: as an output of %s and"
                            + " of %s", ensemble, tensor, steps.get(earlier).describe(), step.describe());
                }
                types.put(tensor, null); // its datatype comes from the step model, checked below
            }
            if (declared.outputMap().isEmpty()) {
                throw GantryException.invalidArgument("%s: %s maps no outputs", ensemble, step.describe());
            }
        }
        for (Step step : steps) {
            for (Map.Entry<String, String> input : step.declared().inputMap().entrySet()) {
                if (!types.containsKey(input.getValue())) {
                    throw GantryException.invalidArgument("%s: %s reads tensor '%s' into its input '%s', but no step"
                            + " produces it and the ensemble does not take it as an input", ensemble, step.describe(),
                            input.getValue(), input.getKey());
                }
            }
        }
        for (TensorConfig output : config.outputs()) {
            if (!producers.containsKey(output.name())) {
                throw GantryException.invalidArgument("%s: its output '%s' is produced by no step (map a step output"
                        + " to it in output_map)", ensemble, output.name());
            }
        }
        // Datatypes: a produced tensor takes the type of the step output producing it, so steps are checked in the
        // graph's order, producers before their consumers.
        for (int index : topologicalOrder(ensemble, steps, producers)) {
            Step step = steps.get(index);
            for (String model : step.models().choices().values()) {
                checkStepModel(config, ensemble, step, model, catalog, types);
            }
        }
        for (TensorConfig output : config.outputs()) {
            DataType produced = types.get(output.name());
            if (produced != null && produced != output.dataType()) {
                throw GantryException.invalidArgument("%s: output '%s' is declared %s but %s produces %s", ensemble,
                        output.name(), output.dataType(), steps.get(producers.get(output.name())).describe(),
                        produced);
            }
        }
        return new EnsemblePlan(config, List.copyOf(steps), producers);
    }

    private static List<Integer> topologicalOrder(String ensemble, List<Step> steps, Map<String, Integer> producers) {
        Graph graph = Graph.of(steps, producers);
        int[] pending = graph.producerCounts().clone();
        Deque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] == 0) {
                ready.add(i);
            }
        }
        List<Integer> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            int done = ready.poll();
            order.add(done);
            for (int next : graph.successors().get(done)) {
                if (--pending[next] == 0) {
                    ready.add(next);
                }
            }
        }
        if (order.size() < steps.size()) {
            String cycle = steps.stream().filter(s -> pending[s.index()] > 0).map(Step::describe)
                    .collect(Collectors.joining(", "));
            throw GantryException.invalidArgument("%s: its steps form a cycle (each waits for another's output):"
                    + " %s", ensemble, cycle);
        }
        return order;
    }

    private static void checkStepModel(ModelConfig ensembleConfig, String ensemble, Step step, String model,
            Catalog catalog, Map<String, DataType> types) {
        String where = ensemble + ": " + step.describe()
                + (step.models().chosenByRequest() ? " choice '" + model + "'" : "");
        if (model.equals(ensembleConfig.name())) {
            throw GantryException.invalidArgument("%s runs the ensemble itself", where);
        }
        ModelConfig stepConfig;
        try {
            stepConfig = catalog.config(model, step.declared().versionOrNull());
        } catch (GantryException e) {
            throw new GantryException(e.kind() == ErrorKind.NOT_FOUND ? ErrorKind.INVALID_ARGUMENT : e.kind(),
                    String.format("%s: model '%s' cannot be served: %s", where, model, e.getMessage()), e);
        }
        String missing = catalog.missingBackend(stepConfig);
        if (missing != null) {
            throw GantryException.invalidArgument("%s: model '%s' cannot be served: %s", where, model, missing);
        }
        checkNesting(ensembleConfig.name(), stepConfig, catalog, new ArrayDeque<>(List.of(ensembleConfig.name())),
                where);
        if (!stepConfig.inputs().isEmpty()) { // a backend that completes its configuration may declare none yet
            for (Map.Entry<String, String> input : step.declared().inputMap().entrySet()) {
                TensorConfig declared = stepTensor(stepConfig.input(input.getKey()), where, model, "input",
                        input.getKey(),
                        stepConfig.inputs());
                DataType fed = types.get(input.getValue());
                if (fed != null && fed != declared.dataType()) {
                    throw GantryException.invalidArgument("%s: input '%s' of model '%s' is %s but tensor '%s' is %s",
                            where, input.getKey(), model, declared.dataType(), input.getValue(), fed);
                }
            }
            for (TensorConfig input : stepConfig.inputs()) {
                if (!input.optional() && !step.declared().inputMap().containsKey(input.name())) {
                    throw GantryException.invalidArgument("%s: input '%s' of model '%s' is not in the step's"
                            + " input_map", where, input.name(), model);
                }
            }
        }
        if (!stepConfig.outputs().isEmpty()) {
            for (Map.Entry<String, String> output : step.declared().outputMap().entrySet()) {
                TensorConfig declared = stepTensor(stepConfig.output(output.getKey()), where, model, "output",
                        output.getKey(), stepConfig.outputs());
                DataType before = types.get(output.getValue());
                if (before != null && before != declared.dataType()) {
                    throw GantryException.invalidArgument("%s: output '%s' of model '%s' is %s, but another choice"
                            + " gives tensor '%s' as %s", where, output.getKey(), model, declared.dataType(),
                            output.getValue(), before);
                }
                types.put(output.getValue(), declared.dataType());
            }
        }
    }

    /** The step model's input or output ({@code kind}) found by name, or INVALID_ARGUMENT naming those it has. */
    private static TensorConfig stepTensor(Optional<TensorConfig> found, String where, String model, String kind,
            String name, List<TensorConfig> all) {
        return found.orElseThrow(() -> GantryException.invalidArgument("%s: model '%s' has no %s '%s' (its %ss: %s)",
                where, model, kind, name, kind, names(all)));
    }

    /** Refuses ensembles that contain themselves through nested ensembles. */
    private static void checkNesting(String root, ModelConfig stepConfig, Catalog catalog, Deque<String> path,
            String where) {
        if (stepConfig.ensembleSteps().isEmpty()) {
            return;
        }
        path.addLast(stepConfig.name());
        if (path.size() > MAX_NESTING) {
            throw GantryException.invalidArgument("%s: ensembles nest deeper than %d: %s", where, MAX_NESTING, path);
        }
        for (EnsembleStep nested : stepConfig.ensembleSteps()) {
            StepModels models;
            try {
                models = StepModels.of(nested.modelName(), stepConfig, "ensemble '" + stepConfig.name() + "'");
            } catch (GantryException e) {
                continue; // that ensemble's own load reports it
            }
            for (String model : models.choices().values()) {
                if (model.equals(root)) {
                    throw GantryException.invalidArgument("%s: the ensemble contains itself: %s → %s", where,
                            String.join(" → ", path), root);
                }
                ModelConfig nestedConfig;
                try {
                    nestedConfig = catalog.config(model, nested.versionOrNull());
                } catch (GantryException e) {
                    continue; // a missing model inside a nested ensemble is reported by that ensemble's load
                }
                checkNesting(root, nestedConfig, catalog, path, where);
            }
        }
        path.removeLast();
    }

    private static String names(List<TensorConfig> tensors) {
        return tensors.stream().map(TensorConfig::name).collect(Collectors.joining(", ", "[", "]"));
    }

    ModelConfig config() {
        return config;
    }

    List<Step> steps() {
        return steps;
    }

    int[] successors(int step) {
        return successors.get(step);
    }

    /** How many steps feed {@code step}; they always run when it runs, since it needs their outputs. */
    int producerCount(int step) {
        return producerCounts[step];
    }

    /** The steps every output needs, computed once: what a request that names no outputs runs (never modified). */
    BitSet stepsForAllOutputs() {
        return stepsForAllOutputs;
    }

    /** The steps needed to produce {@code outputs}: a step runs only when something asked for depends on it. */
    BitSet stepsFor(List<String> outputs) {
        BitSet needed = new BitSet(steps.size());
        Deque<String> tensors = new ArrayDeque<>(outputs);
        while (!tensors.isEmpty()) {
            Integer producer = producers.get(tensors.poll());
            if (producer != null && !needed.get(producer)) {
                needed.set(producer);
                tensors.addAll(steps.get(producer).declared().inputMap().values());
            }
        }
        return needed;
    }
}
