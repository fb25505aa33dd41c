package org.gantry.api.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Consumer;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.ModelConfig;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The server as its front ends (REST, shell) see it. Every method reports failures as
 * {@link org.gantry.api.error.GantryException}s. A {@code version} argument of null means the version the
 * model's version policy serves by default (the newest ready one). Backends get the narrower {@link ModelInvoker}.
 */
@ProviderType
public interface ModelServer extends ModelInvoker {

    /** Response parameter marking a streamed request's last response, as Triton names it. */
    String FINAL_RESPONSE = "triton_final_response";

    /** Server name and version, as reported in server metadata. */
    String name();

    String version();

    /**
     * Whether the server is ready to serve: it has started (the backends it boots with arrived), is not draining, and
     * its repository is readable.
     */
    boolean isReady();

    /**
     * Runs an inference, loading the model first if it is in the repository but not loaded (one load is
     * shared by all requests that wait for it).
     */
    @Override
    InferenceResponse infer(String modelName, String version, InferenceRequest request);

    /**
     * Runs an inference whose model may answer with several responses, handing each to {@code responses} as it
     * is produced (Triton's generate streaming); returns after the last. Each response carries the parameter
     * {@value #FINAL_RESPONSE}, true on the last one. Models with one answer give one response.
     */
    @Override
    void inferStream(String modelName, String version, InferenceRequest request,
            Consumer<InferenceResponse> responses);

    /** Metadata of a model from its configuration (as completed by its backend once loaded). */
    ModelMetadata metadata(String modelName, String version);

    /** The model's configuration (as completed by its backend once loaded). */
    @Override
    ModelConfig config(String modelName, String version);

    /**
     * {@inheritDoc} The default knows no backend: a server that tracks backends (the runtime) overrides it, and the
     * shell and the ensemble's load check ask it rather than applying the rule themselves.
     */
    @Override
    default Optional<String> backendFor(ModelConfig config) {
        return Optional.empty();
    }

    /** Whether that model version is loaded and ready. Unknown models are not ready (no exception). */
    boolean isModelReady(String modelName, String version);

    /**
     * Whether a request for that model version would be served now: it is loaded and ready, or, where models load
     * on their first request, its load would start and is expected to succeed (its configuration reads, a backend
     * for it runs, it fits the memory budget, its last load did not just fail). This is the protocol's model
     * readiness; {@link #isModelReady} and {@link #index} say whether it is resident. Unknown models are not ready
     * (no exception). The default is {@link #isModelReady}.
     */
    default boolean willServe(String modelName, String version) {
        return isModelReady(modelName, version);
    }

    /**
     * Statistics of the versions of one model (or of every model known to the server when {@code modelName} is
     * null; then {@code version} must be null too).
     */
    List<ModelStatistics> statistics(String modelName, String version);

    /** Every model in the repository and every loaded version, with its state. */
    List<ModelStatus> index();

    /** Loads (or reloads) the versions of a model that its version policy selects, and waits until done. */
    void load(String modelName);

    /**
     * Loads (or reloads) a model with a configuration and files given by the caller instead of the repository's
     * (Triton's load with {@code config} and {@code file:} parameters). The override holds until the model is
     * unloaded or loaded again without one.
     *
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT for an unreadable configuration or a file path
     *         that would leave the model's folder
     */
    void load(String modelName, ModelOverride override);

    /** Unloads every version of a model, after in-flight requests have finished. */
    void unload(String modelName);

    /**
     * Adds a model from a folder outside the repository under a name of the caller's choosing and loads it
     * (SageMaker's multi-model {@code POST /models}). The folder holds a Triton model ({@code config.pbtxt} and
     * version folders) or one folder that does, or, as Triton's SageMaker front end takes it, the folders of an
     * ensemble and its step models: the ensemble is added under {@code modelName}, its steps under their folder
     * names, and they are loaded, and later removed, with it.
     *
     * @throws org.gantry.api.error.GantryException CONFLICT when a model of that name is loaded already,
     *         INSUFFICIENT_MEMORY when it cannot fit even after evicting idle models
     */
    void add(String modelName, Path directory);

    /**
     * Unloads a model added with {@link #add} and forgets it.
     *
     * @throws org.gantry.api.error.GantryException NOT_FOUND when no such model was added
     */
    void remove(String modelName);

    /** Models added with {@link #add}, by name, with their folders. */
    SortedMap<String, Path> addedModels();

    /**
     * Pins a model (never evicted to make room for others) or unpins it; applies to loaded versions and to
     * later loads. A model can also be pinned by its configuration: {@code parameters { key: "pinned" value:
     * { string_value: "true" } }}.
     */
    void pin(String modelName, boolean pinned);
}
