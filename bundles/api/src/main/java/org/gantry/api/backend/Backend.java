package org.gantry.api.backend;

import java.util.Set;

import org.gantry.api.model.ModelConfig;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A model backend: loads model versions of the formats it serves. Backends are OSGi services (whiteboard):
 * the runtime tracks every registered {@code Backend} and picks one by the model configuration's
 * {@code backend} name or {@code platform}. A backend holds no per-model state of its own beyond the
 * {@link LoadedModel}s it returns, so it can be stopped or updated while the server runs.
 */
@ConsumerType
public interface Backend {

    /** The backend name, as in a configuration's {@code backend} field (e.g. {@code pytorch}). */
    String name();

    /**
     * The platforms this backend serves, as in a configuration's {@code platform} field (e.g. {@code pytorch_libtorch}).
     * By default the one platform named as the backend is (as {@code ensemble}): a configuration may then name it
     * either way.
     *
     * @since 1.7 (before, every backend listed its platforms)
     */
    default Set<String> platforms() {
        return Set.of(name());
    }

    /**
     * Whether this backend serves a configuration: by its {@code backend} name when it gives one, else by its
     * {@code platform}, as Triton chooses.
     */
    default boolean serves(ModelConfig config) {
        return !config.backend().isEmpty() ? name().equals(config.backend())
                : platforms().contains(config.platform());
    }

    /**
     * Completes or checks a model's configuration against its artifact before loading (as Triton's
     * auto-complete). The default returns the configuration unchanged.
     *
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT when the configuration cannot work with
     *         this backend
     */
    default ModelConfig complete(ModelLoadContext context) {
        return context.config();
    }

    /**
     * The kinds of device this backend loads models onto. The runtime places a model on one of them, following
     * the configuration's {@code instance_group} (kind and {@code gpus}) as Triton does. The default is the CPU.
     */
    default Set<Device.Kind> deviceKinds() {
        return Set.of(Device.Kind.CPU);
    }

    /**
     * Bytes a loaded model takes per byte of its artifact files, for the memory manager's first estimate
     * (before a footprint was ever measured). The default suits engines that load weights as stored.
     */
    default double footprintPerArtifactByte() {
        return 1.5;
    }

    /**
     * Loads one model version onto the context's device. Called from a loader thread, never concurrently
     * for the same model version.
     *
     * @throws org.gantry.api.error.GantryException with a message naming the artifact when the artifact is
     *         missing or corrupt (INVALID_ARGUMENT), or when the engine runs out of memory
     *         (INSUFFICIENT_MEMORY: the runtime then evicts other models and retries once)
     */
    LoadedModel load(ModelLoadContext context);
}
