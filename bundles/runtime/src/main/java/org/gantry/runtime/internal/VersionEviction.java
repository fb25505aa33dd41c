package org.gantry.runtime.internal;

import java.util.function.Consumer;

import org.gantry.api.memory.Evictable;

/**
 * How the memory manager evicts one model version. The first half, under the manager's lock, only stops an idle
 * version from admitting requests; the second half, which closes the engine's models and then releases their leases,
 * runs outside it. A version is not idle while requests run on it or are on their way to it (a load made for waiting
 * requests serves them before it can go), nor within its keep-warm minimum residency. Instances on GPUs that can
 * wait in the host tier go there instead of being closed ({@link HostTierParking}).
 */
final class VersionEviction implements Evictable {

    private final ModelVersion version;
    private final Consumer<ModelVersion> evicted;
    private final HostTierParking parking;

    /**
     * @param evicted told once the version is unloaded (the listeners)
     * @param parking where instances evicted from GPUs wait when the host tier has room
     */
    VersionEviction(ModelVersion version, Consumer<ModelVersion> evicted, HostTierParking parking) {
        this.version = version;
        this.evicted = evicted;
        this.parking = parking;
    }

    @Override
    public boolean evictIfIdle(String reason) {
        Runnable unload = beginEviction(reason);
        if (unload == null) {
            return false;
        }
        unload.run();
        return true;
    }

    @Override
    public Runnable beginEviction(String reason) {
        if (KeepWarm.withinMinimumResidency(version)) {
            return null; // its keep-warm policy says traffic is expected: let the memory manager choose another
        }
        ModelInstances toClose = version.beginEvictionIfIdle();
        if (toClose == null) {
            return null;
        }
        return () -> {
            toClose.parkOrCloseModels(version.modelName(), version.version(), parking);
            version.unloaded(reason, true, true);
            toClose.releaseLeases(); // only now: the engine has freed the memory
            evicted.accept(version);
        };
    }
}
