package org.gantry.backend.ensemble.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;

/**
 * The model or models a step may run. A step names one model, as in Triton, or a {@code ${parameter}} placeholder:
 * the request parameter of that name picks one of the choices that the ensemble's configuration parameter of the
 * same name lists ({@code "query=minilm_query_encoder, document=minilm_document_encoder"}); the configuration
 * parameter {@code <parameter>.default} names the choice used when a request gives none.
 *
 * @param parameter     the request parameter that chooses, or null for a step with one model
 * @param choices       choice → model name, in configuration order (one entry with an empty key for a plain step)
 * @param defaultChoice the choice used when the request gives none, or null when the request must choose
 */
record StepModels(String parameter, Map<String, String> choices, String defaultChoice) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)}");
    private static final String DEFAULT_SUFFIX = ".default";

    StepModels {
        choices = Collections.unmodifiableMap(new LinkedHashMap<>(choices));
    }

    /** Reads what a step's {@code model_name} means in the ensemble {@code config}. */
    static StepModels of(String modelName, ModelConfig config, String step) {
        if (!modelName.contains("$")) {
            return new StepModels(null, Map.of("", modelName), "");
        }
        Matcher placeholder = PLACEHOLDER.matcher(modelName);
        if (!placeholder.matches()) {
            throw GantryException.invalidArgument("%s: model_name '%s' is neither a model name nor a ${parameter}"
                    + " placeholder", step, modelName);
        }
        String parameter = placeholder.group(1);
        String listed = config.parameter(parameter).orElseThrow(() -> GantryException.invalidArgument(
                "%s: model_name '%s' needs the ensemble parameter '%s' listing its choices, e.g. parameters { key:"
                        + " \"%s\" value: { string_value: \"a=model_a, b=model_b\" } }",
                step, modelName, parameter,
                parameter));
        Map<String, String> choices = new LinkedHashMap<>();
        for (String entry : listed.split(",")) {
            String[] pair = entry.split("=", -1);
            if (pair.length != 2 || pair[0].isBlank() || pair[1].isBlank()) {
                throw GantryException.invalidArgument("%s: parameter '%s' must list choices as 'choice=model, ...',"
                        + " not '%s'", step, parameter, listed);
            }
            if (choices.put(pair[0].trim(), pair[1].trim()) != null) {
                throw GantryException.invalidArgument("%s: parameter '%s' lists choice '%s' twice", step, parameter,
                        pair[0].trim());
            }
        }
        String defaultChoice = config.parameter(parameter + DEFAULT_SUFFIX).map(String::trim).orElse(null);
        if (defaultChoice != null && !choices.containsKey(defaultChoice)) {
            throw GantryException.invalidArgument("%s: parameter '%s%s' names choice '%s', which '%s' does not list"
                    + " (choices: %s)", step, parameter, DEFAULT_SUFFIX, defaultChoice, parameter, choices.keySet());
        }
        return new StepModels(parameter, choices, defaultChoice);
    }

    boolean chosenByRequest() {
        return parameter != null;
    }

    /** The model a request runs at this step. */
    String modelFor(Map<String, Object> requestParameters, String ensemble) {
        if (parameter == null) {
            return choices.values().iterator().next();
        }
        Object requested = requestParameters.get(parameter);
        String choice = requested == null ? defaultChoice : requested instanceof String text ? text : null;
        if (choice == null) {
            throw GantryException.invalidArgument(requested == null
                    ? "ensemble '%s' needs the request parameter '%s': one of %s"
                    : "ensemble '%s': request parameter '%s' must be a string, one of %s", ensemble, parameter,
                    choices.keySet());
        }
        return Optional.ofNullable(choices.get(choice)).orElseThrow(() -> GantryException.invalidArgument(
                "ensemble '%s': request parameter '%s' is '%s'; it must be one of %s", ensemble, parameter, choice,
                choices.keySet()));
    }
}
