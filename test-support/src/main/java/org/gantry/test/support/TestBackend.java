package org.gantry.test.support;

import java.util.Set;
import java.util.function.Function;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;

/**
 * A backend a test writes in a line: its name, the one platform it serves, the device kinds it loads onto; subclasses
 * (or {@link #of}) say how it loads.
 */
public abstract class TestBackend implements Backend {

    /** The device kinds of a backend that loads onto the host and GPUs alike. */
    public static final Set<Device.Kind> HOST_AND_GPU = Set.of(Device.Kind.CPU, Device.Kind.GPU);

    private final String name;
    private final String platform;
    private final Set<Device.Kind> deviceKinds;

    /** A backend for the host only. */
    protected TestBackend(String name, String platform) {
        this(name, platform, Set.of(Device.Kind.CPU));
    }

    protected TestBackend(String name, String platform, Set<Device.Kind> deviceKinds) {
        this.name = name;
        this.platform = platform;
        this.deviceKinds = Set.copyOf(deviceKinds);
    }

    /** A host backend whose loads are {@code loader}'s. */
    public static TestBackend of(String name, String platform, Function<ModelLoadContext, LoadedModel> loader) {
        return new TestBackend(name, platform) {
            @Override
            public LoadedModel load(ModelLoadContext context) {
                return loader.apply(context);
            }
        };
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Set<String> platforms() {
        return Set.of(platform);
    }

    @Override
    public final Set<Device.Kind> deviceKinds() {
        return deviceKinds;
    }

    @Override
    public String toString() {
        return "backend " + name;
    }
}
