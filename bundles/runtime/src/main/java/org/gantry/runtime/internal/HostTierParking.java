package org.gantry.runtime.internal;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.BiFunction;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.HostTierable;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.memory.Evictable;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.ParkRequest;
import org.gantry.api.memory.Residence;
import org.gantry.api.model.ModelConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's side of the host tier: instances evicted from GPUs whose weights wait in host memory, by artifact.
 * An eviction parks each instance that can wait there ({@link HostTierable}, on a GPU, not opted out with the
 * parameter {@code host_tier: "false"}) when the memory manager grants room; the next load of the same artifact takes
 * one back and copies it onto a GPU instead of reading files; the memory manager sends an entry on to disk (this
 * closes it) when the tier or the host's own models need the room.
 */
final class HostTierParking {

    /** The configuration parameter by which a model stays out of the host tier (e.g. one that mutates its weights). */
    static final String OPT_OUT_PARAMETER = "host_tier";
    private static final Logger LOG = LoggerFactory.getLogger(HostTierParking.class);

    /** One instance waiting in the host tier; the memory manager drops it through {@link #beginEviction}. */
    final class Parked implements Evictable {
        final LoadedModel model;
        final Device from;
        final String artifactKey;
        private final String modelName;
        private final long version;
        private volatile Lease lease;
        private boolean closed;

        Parked(LoadedModel model, Device from, String artifactKey, String modelName, long version) {
            this.model = model;
            this.from = from;
            this.artifactKey = artifactKey;
            this.modelName = modelName;
            this.version = version;
        }

        Lease lease() {
            return lease;
        }

        @Override
        public boolean evictIfIdle(String reason) {
            beginEviction(reason).run();
            return true;
        }

        /** Sends the instance on to disk: closes it, once any offload still running has ended. */
        @Override
        public Runnable beginEviction(String reason) {
            return () -> {
                Deque<Parked> waiting = parked.get(artifactKey);
                if (waiting != null) {
                    waiting.remove(this);
                }
                close(reason);
            };
        }

        synchronized void close(String reason) {
            if (!closed) {
                closed = true;
                LOG.debug("Closing an instance from the host tier ({}): {}", artifactKey, reason);
                closeQuietly(model);
            }
        }
    }

    private final MemoryManager memory;
    private final Map<String, Deque<Parked>> parked = new ConcurrentHashMap<>();
    /** Artifacts evicted from a GPU that could have waited in the tier: their next load is a tier hit or miss. */
    private final Set<String> evictedFromGpu = ConcurrentHashMap.newKeySet();

    HostTierParking(MemoryManager memory) {
        this.memory = memory;
    }

    /** Whether the configuration lets the model wait in the host tier. */
    static boolean allowed(ModelConfig config) {
        return !config.parameter(OPT_OUT_PARAMETER).map(value -> value.trim().equalsIgnoreCase("false")).orElse(false);
    }

    /**
     * Parks an evicted instance if it can wait in the host tier and the tier has room; otherwise closes it (to disk).
     * Runs outside the memory manager's lock, in the eviction's second half.
     */
    void parkOrClose(String model, long version, String artifactKey, boolean allowed, LoadedModel instance,
            Lease gpuLease) {
        if (!allowed || artifactKey == null || !(instance instanceof HostTierable tierable)
                || gpuLease.device().kind() != Device.Kind.GPU) {
            closeQuietly(instance);
            return;
        }
        evictedFromGpu.add(artifactKey);
        Parked entry = new Parked(instance, gpuLease.device(), artifactKey, model, version);
        Optional<Lease> lease = memory.park(new ParkRequest(model, version, artifactKey, gpuLease.device(),
                gpuLease.bytes(), entry));
        if (lease.isEmpty()) {
            closeQuietly(instance);
            return;
        }
        entry.lease = lease.get();
        synchronized (entry) { // a drop that comes meanwhile closes it after the offload
            try {
                tierable.offloadToHost();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Model '{}' version {} could not move to the host tier; it goes to disk", model, version, e);
                entry.close("the offload failed");
                entry.lease.close();
                return;
            }
            if (entry.closed) {
                return;
            }
        }
        parked.computeIfAbsent(artifactKey, key -> new ConcurrentLinkedDeque<>()).add(entry);
    }

    /**
     * Takes a parked instance of the artifact out of the tier for a reload, or null. The caller restores it onto a
     * GPU, then closes its {@link Parked#lease()}.
     */
    Parked take(String artifactKey) {
        Deque<Parked> waiting = parked.get(artifactKey);
        Parked entry;
        while (waiting != null && (entry = waiting.poll()) != null) {
            if (memory.unpark(entry.lease())) {
                return entry;
            } // else being dropped: its drop closes it
        }
        return null;
    }

    /** An instance back on a GPU, under its new lease (not yet committed). */
    record Restored(LoadedModel model, Lease lease) {
    }

    /**
     * Brings a taken instance back onto a GPU: the freest one where it fits now, else the one it left (evicting
     * there), as {@code reserve} places any load given the GPU it left first. No warm-up: the instance ran before.
     *
     * @param reserve leases the bytes on one of the devices (in order of preference), as the memory manager does
     * @return null when the copy failed: the instance is closed and the caller loads from the files
     */
    Restored restore(Parked parked, List<Device> candidates, BiFunction<List<Device>, Long, Lease> reserve) {
        List<Device> order = new ArrayList<>(candidates);
        if (order.remove(parked.from)) {
            order.add(0, parked.from);
        }
        Lease tierLease = parked.lease();
        Lease lease;
        try {
            lease = reserve.apply(order, tierLease.bytes());
        } catch (RuntimeException e) {
            parked.close("no room to restore it");
            tierLease.close();
            throw e;
        }
        try {
            ((HostTierable) parked.model).restore(lease.device());
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Model '{}' version {} could not come back from the host tier to {}; loading it from its files",
                    parked.modelName, parked.version, lease.device(), e);
            parked.close("the restore failed");
            tierLease.close();
            lease.close();
            return null;
        }
        tierLease.close(); // the weights left host memory
        return new Restored(parked.model, lease);
    }

    /**
     * Counts the reload of an artifact that was evicted from a GPU and could have waited in the tier: a hit when it
     * came back from the tier, a miss when it came from disk. Other loads are not counted.
     */
    void loaded(String artifactKey, Residence from, long nanos) {
        if (evictedFromGpu.remove(artifactKey)) {
            memory.reloaded(from, nanos);
        }
    }

    /**
     * Closes the parked instances of a model version unloaded on request, retired or replaced by new files: an
     * unload frees its memory, the host tier's included.
     */
    void discard(String model, long version, String why) {
        for (Deque<Parked> waiting : parked.values()) {
            List<Parked> ofVersion = waiting.stream()
                    .filter(entry -> entry.modelName.equals(model) && entry.version == version).toList();
            ofVersion.forEach(waiting::remove);
            ofVersion.forEach(entry -> evictedFromGpu.remove(entry.artifactKey)); // its next load is no tier miss
            close(ofVersion, why);
        }
    }

    /** Closes every parked instance (the server stops). */
    void closeAll() {
        List<Parked> all = new ArrayList<>();
        parked.values().forEach(all::addAll);
        parked.clear();
        close(all, "the server is stopping");
    }

    /** Closes entries the memory manager is not dropping already (those its drops close). */
    private void close(List<Parked> entries, String why) {
        for (Parked entry : entries) {
            if (memory.unpark(entry.lease())) {
                entry.close(why);
                entry.lease().close();
            }
        }
    }

    private static void closeQuietly(LoadedModel model) {
        try {
            model.close();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Closing an evicted instance failed", e);
        }
    }
}
