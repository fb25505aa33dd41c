package org.gantry.api.server;

import java.util.List;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.ModelConfig;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The server as its front ends (REST, shell) see it. Every method reports failures as
 * {@link org.gantry.api.error.GantryException}s. A {@code version} argument of null means the version the
 * model's version policy serves by default (the newest ready one).
 */
@ProviderType
public interface ModelServer {

    /** Server name and version, as reported in server metadata. */
    String name();

    String version();

    /** Whether the server is ready to serve: the repository is readable. */
    boolean isReady();

    /**
     * Runs an inference, loading the model first if it is in the repository but not loaded (one load is
     * shared by all requests that wait for it).
     */
    InferenceResponse infer(String modelName, String version, InferenceRequest request);

    /** Metadata of a model from its configuration (as completed by its backend once loaded). */
    ModelMetadata metadata(String modelName, String version);

    /** The model's configuration (as completed by its backend once loaded). */
    ModelConfig config(String modelName, String version);

    /** Whether that model version is loaded and ready. Unknown models are not ready (no exception). */
    boolean isModelReady(String modelName, String version);

    /**
     * Statistics of the versions of one model (or of every model known to the server when {@code modelName} is
     * null; then {@code version} must be null too).
     */
    List<ModelStatistics> statistics(String modelName, String version);

    /** Every model in the repository and every loaded version, with its state. */
    List<ModelStatus> index();

    /** Loads (or reloads) the versions of a model that its version policy selects, and waits until done. */
    void load(String modelName);

    /** Unloads every version of a model, after in-flight requests have finished. */
    void unload(String modelName);

    /**
     * Pins a model (never evicted to make room for others) or unpins it; applies to loaded versions and to
     * later loads. A model can also be pinned by its configuration: {@code parameters { key: "pinned" value:
     * { string_value: "true" } }}.
     */
    void pin(String modelName, boolean pinned);
}
