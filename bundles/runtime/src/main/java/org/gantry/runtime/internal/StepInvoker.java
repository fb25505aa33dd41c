package org.gantry.runtime.internal;

import java.util.Optional;
import java.util.function.Consumer;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelInvoker;
import org.gantry.api.server.ModelServer;

/**
 * The part of the server a backend is given (an ensemble running its steps): inference, configurations and which
 * backend serves what, and nothing that loads, unloads or administers models.
 */
final class StepInvoker implements ModelInvoker {

    private final ModelServer server;

    StepInvoker(ModelServer server) {
        this.server = server;
    }

    @Override
    public InferenceResponse infer(String modelName, String version, InferenceRequest request) {
        return server.infer(modelName, version, request);
    }

    @Override
    public void inferStream(String modelName, String version, InferenceRequest request,
            Consumer<InferenceResponse> responses) {
        server.inferStream(modelName, version, request, responses);
    }

    @Override
    public ModelConfig config(String modelName, String version) {
        return server.config(modelName, version);
    }

    @Override
    public Optional<String> backendFor(ModelConfig config) {
        return server.backendFor(config);
    }

    @Override
    public Optional<String> missingBackend(ModelConfig config) {
        return server.missingBackend(config);
    }
}
