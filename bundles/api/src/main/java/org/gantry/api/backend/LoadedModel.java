package org.gantry.api.backend;

import java.util.List;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.Tensor;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A model version loaded by a {@link Backend}, ready to infer. The runtime validates requests against the
 * model configuration before calling {@link #infer}: inputs are the configured ones, with the configured
 * datatypes and compatible shapes (including the batch dimension), already reshaped where the
 * configuration says so.
 */
@ConsumerType
public interface LoadedModel extends AutoCloseable {

    /**
     * Runs the model. May be called from several threads at once; a backend that cannot run
     * concurrently serialises internally.
     *
     * @return every output of the model, named as the configuration's outputs
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT when the engine rejects the inputs,
     *         INSUFFICIENT_MEMORY when the engine runs out of memory (the runtime evicts other models and retries
     *         once), INTERNAL when the engine fails
     */
    List<Tensor> infer(InferenceRequest request);

    /**
     * Runs the model for a request that may have several responses (a decoupled model, e.g. a generation loop
     * emitting one token at a time): each response goes to {@code responses} as soon as it exists, in order,
     * before this method returns. Models with one response per request keep the default, which delivers
     * {@link #infer}'s outputs as the only and final response.
     */
    default void inferStream(InferenceRequest request, ResponseSink responses) {
        responses.send(infer(request), true);
    }

    /**
     * How many requests this model takes at once (per instance). The runtime gives each model version this many
     * execution slots per instance, so a model that merges concurrent requests itself (e.g. a generation loop
     * batching requests per decode step) sees them together. The default, 1, runs one request at a time per
     * instance; the value is read once, after loading.
     */
    default int concurrency() {
        return 1;
    }

    /** Bytes this model holds on its device as the engine reports them, or -1 if unknown. */
    default long footprintBytes() {
        return -1;
    }

    /** Frees everything the model holds. Called once, after in-flight requests have finished. */
    @Override
    void close();
}
