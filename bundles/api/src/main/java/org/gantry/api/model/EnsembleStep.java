package org.gantry.api.model;

import java.util.Map;
import java.util.Objects;

/**
 * One step of an ensemble ({@code ensemble_scheduling.step} in Triton's configuration): a model run on tensors of
 * the ensemble.
 *
 * @param modelName    the model the step runs (a model of the repository, a processor's model folder, or a
 *                     {@code ${name}} placeholder that a request parameter resolves)
 * @param modelVersion the version to run, or -1 for the one the model's version policy serves by default
 * @param inputMap     the step model's input name → the ensemble tensor fed to it
 * @param outputMap    the step model's output name → the ensemble tensor it produces
 */
public record EnsembleStep(String modelName, long modelVersion, Map<String, String> inputMap,
        Map<String, String> outputMap) {

    /** Triton's {@code model_version} for "the version the policy serves by default". */
    public static final long DEFAULT_VERSION = -1;

    public EnsembleStep {
        Objects.requireNonNull(modelName, "modelName");
        inputMap = Map.copyOf(Objects.requireNonNullElse(inputMap, Map.of()));
        outputMap = Map.copyOf(Objects.requireNonNullElse(outputMap, Map.of()));
    }

    /** The version as the server API takes it: null for the default version. */
    public String versionOrNull() {
        return modelVersion < 0 ? null : Long.toString(modelVersion);
    }
}
