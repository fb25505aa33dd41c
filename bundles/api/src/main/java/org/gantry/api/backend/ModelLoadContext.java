package org.gantry.api.backend;

import java.nio.file.Path;

import org.gantry.api.model.ModelConfig;
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
}
