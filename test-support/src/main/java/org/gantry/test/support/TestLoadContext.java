package org.gantry.test.support;

import java.nio.file.Path;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.model.ModelConfig;

/**
 * What a test gives a backend to load one version, as a backend's own tests run it: no server (no invoker, working
 * memory refused), so only the configuration, the version, the folder and the device.
 */
public record TestLoadContext(ModelConfig config, long version, Path modelDirectory, Device device)
        implements
            ModelLoadContext {

    /** Version {@code version} of the model in {@code modelDirectory}, on the host. */
    public static TestLoadContext onHost(ModelConfig config, long version, Path modelDirectory) {
        return new TestLoadContext(config, version, modelDirectory, Device.CPU);
    }

    /** Version 1 of a model that needs no files (a processor), on the host; its folder does not exist. */
    public static TestLoadContext withoutFiles(ModelConfig config) {
        return onHost(config, 1, Path.of("/nonexistent", config.name()));
    }

    /** The same version and folder with another configuration: a completed one, say. */
    public TestLoadContext with(ModelConfig other) {
        return new TestLoadContext(other, version, modelDirectory, device);
    }
}
