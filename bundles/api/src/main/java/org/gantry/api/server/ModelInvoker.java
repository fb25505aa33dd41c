package org.gantry.api.server;

import java.util.Optional;
import java.util.function.Consumer;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.ModelConfig;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What a backend may ask of the server that loads its model: run other models (an ensemble's steps), read their
 * configurations, and ask which backend serves a configuration. Nothing that loads, unloads or administers models:
 * that is {@link ModelServer}, for front ends. Failures are {@link org.gantry.api.error.GantryException}s; a
 * {@code version} of null means the version the model's policy serves by default.
 */
@ProviderType
public interface ModelInvoker {

    /** Runs an inference, loading the model first if need be (see {@link ModelServer#infer}). */
    InferenceResponse infer(String modelName, String version, InferenceRequest request);

    /** Runs an inference that may answer with several responses (see {@link ModelServer#inferStream}). */
    void inferStream(String modelName, String version, InferenceRequest request,
            Consumer<InferenceResponse> responses);

    /** The model's configuration (as completed by its backend once loaded). */
    ModelConfig config(String modelName, String version);

    /**
     * The name of the running backend that serves the configuration, by the one rule the server applies: the first
     * running backend whose {@link org.gantry.api.backend.Backend#serves} says yes. Empty when none runs.
     */
    Optional<String> backendFor(ModelConfig config);

    /**
     * Why no running backend serves the configuration, in words for a user (naming what runs where the server
     * knows); empty when one does.
     */
    default Optional<String> missingBackend(ModelConfig config) {
        if (backendFor(config).isPresent()) {
            return Optional.empty();
        }
        if (config.backend().isEmpty() && config.platform().isEmpty()) {
            return Optional.of("config.pbtxt of model '" + config.name() + "' names neither a platform nor a backend");
        }
        return Optional.of(config.backend().isEmpty() ? "no backend for platform '" + config.platform()
                + "' is installed" : "no backend or processor named '" + config.backend() + "' is installed");
    }
}
