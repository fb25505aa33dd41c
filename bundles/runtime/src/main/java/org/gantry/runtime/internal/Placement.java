package org.gantry.runtime.internal;

import java.util.List;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.Device;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.InstanceGroup;
import org.gantry.api.model.ModelConfig;

/**
 * The devices a model may load onto, as Triton reads {@code instance_group}: KIND_CPU the host, KIND_GPU the listed
 * GPUs (or all), KIND_AUTO the GPUs when there are any and the backend can use them, else the host.
 */
final class Placement {

    private Placement() {
    }

    /**
     * @param gpus the GPUs this server has (the memory manager's devices)
     * @throws GantryException INVALID_ARGUMENT when the backend cannot run where the model asks to,
     *         INSUFFICIENT_MEMORY when the model asks for GPUs this server does not have
     */
    static List<Device> devices(ModelConfig config, Backend backend, List<Device> gpus) {
        InstanceGroup group = config.instanceGroups().isEmpty() ? null : config.instanceGroups().get(0);
        InstanceGroup.Kind kind = group == null ? InstanceGroup.Kind.AUTO : group.kind();
        boolean gpuBackend = backend.deviceKinds().contains(Device.Kind.GPU);
        List<Device> named = group == null || group.gpus().isEmpty() ? gpus
                : group.gpus().stream().map(Device::gpu).toList();
        if (kind == InstanceGroup.Kind.GPU || (kind != InstanceGroup.Kind.CPU && gpuBackend && !gpus.isEmpty())) {
            if (!gpuBackend) {
                throw GantryException.invalidArgument("model '%s' asks for KIND_GPU but backend '%s' runs on %s only",
                        config.name(), backend.name(), backend.deviceKinds());
            }
            if (named.isEmpty() || !gpus.containsAll(named)) {
                throw new GantryException(ErrorKind.INSUFFICIENT_MEMORY, String.format(
                        "model '%s' asks for %s but this server has %s", config.name(),
                        named.isEmpty() ? "a GPU" : named, gpus.isEmpty() ? "no GPU" : gpus));
            }
            return named;
        }
        if (!backend.deviceKinds().contains(Device.Kind.CPU)) {
            throw GantryException.invalidArgument("model '%s' would run on the CPU, which backend '%s' cannot",
                    config.name(), backend.name());
        }
        return List.of(Device.CPU);
    }
}
