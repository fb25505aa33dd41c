package org.gantry.api.backend;

import java.nio.file.Path;

import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelServer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What a {@link Backend} needs to load one model version.
 */
@ProviderType
public interface ModelLoadContext {

    /** The model's configuration (completed by {@link Backend#complete} when passed to {@link Backend#load}). */
    ModelConfig config();

    /** The model version being loaded. */
    long version();

    /** The model's folder in the repository (holding {@code config.pbtxt}). */
    Path modelDirectory();

    /** The version's folder, {@code <model>/<version>}. */
    default Path versionDirectory() {
        return modelDirectory().resolve(Long.toString(version()));
    }

    /** The device to load onto. */
    Device device();

    /**
     * The server loading the model, for models that run other models of it (an ensemble's steps); null where no
     * server loads the model (a backend's own tests).
     */
    default ModelServer server() {
        return null;
    }
}
