package org.gantry.runtime.internal;

import java.util.List;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.memory.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded copies of one model version (Triton's instances from {@code instance_group} counts), each with the
 * memory lease it holds. Each instance has as many execution slots as its model's {@link LoadedModel#concurrency()};
 * execution slot {@code i} runs on instance {@code i % count}, so every instance gets its share.
 */
final class ModelInstances {

    private static final Logger LOG = LoggerFactory.getLogger(ModelInstances.class);

    private final List<LoadedModel> models;
    private final List<Lease> leases;
    private final int slots;
    /** The artifact the instances were loaded from, or null; with {@link #hostTier}, for the host tier. */
    private final String artifactKey;
    private final boolean hostTier;

    ModelInstances(List<LoadedModel> models, List<Lease> leases) {
        this(models, leases, null, false);
    }

    /** @param hostTier whether an eviction may park the instances in the host tier (not opted out) */
    ModelInstances(List<LoadedModel> models, List<Lease> leases, String artifactKey, boolean hostTier) {
        if (models.isEmpty() || models.size() != leases.size()) {
            throw new IllegalArgumentException("each instance needs its lease: " + models.size() + " models, "
                    + leases.size() + " leases");
        }
        this.models = List.copyOf(models);
        this.leases = List.copyOf(leases);
        this.slots = Math.multiplyExact(this.models.size(), concurrency(this.models.get(0)));
        this.artifactKey = artifactKey;
        this.hostTier = hostTier;
    }

    /** A model's own concurrency, at least 1; a backend that fails to say gets one request at a time. */
    private static int concurrency(LoadedModel model) {
        try {
            return Math.max(1, model.concurrency());
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("A model's concurrency() failed; it runs one request at a time", e);
            return 1;
        }
    }

    /** Execution slots: requests the instances take at once. */
    int slots() {
        return slots;
    }

    int count() {
        return models.size();
    }

    /** The instance that execution slot {@code slot} runs on. */
    LoadedModel model(int slot) {
        return models.get(slot % models.size());
    }

    /** The first instance's lease: the one that learned the artifact's footprint. */
    Lease primaryLease() {
        return leases.get(0);
    }

    List<Lease> leases() {
        return leases;
    }

    void touch() {
        leases.forEach(Lease::touch);
    }

    /** No request in flight any more: a reservation waiting for room may take these. */
    void idle() {
        leases.forEach(Lease::idle);
    }

    /** Frees every instance's engine memory; the leases stay held until {@link #releaseLeases}. */
    void closeModels(String label) {
        for (LoadedModel model : models) {
            try {
                model.close();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Closing an instance of {} failed", label, e);
            }
        }
    }

    /**
     * For an eviction: parks each instance that can wait in the host tier, frees the others' engine memory; the
     * leases stay held until {@link #releaseLeases}.
     */
    void parkOrCloseModels(String model, long version, HostTierParking parking) {
        for (int i = 0; i < models.size(); i++) {
            parking.parkOrClose(model, version, artifactKey, hostTier, models.get(i), leases.get(i));
        }
    }

    void releaseLeases() {
        leases.forEach(Lease::close);
    }
}
