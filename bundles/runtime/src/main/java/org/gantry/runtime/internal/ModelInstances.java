package org.gantry.runtime.internal;

import java.util.List;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.memory.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded copies of one model version (Triton's instances from {@code instance_group} counts), each with the
 * memory lease it holds. Execution slot {@code i} runs on instance {@code i}.
 */
final class ModelInstances {

    private static final Logger LOG = LoggerFactory.getLogger(ModelInstances.class);

    private final List<LoadedModel> models;
    private final List<Lease> leases;

    ModelInstances(List<LoadedModel> models, List<Lease> leases) {
        if (models.isEmpty() || models.size() != leases.size()) {
            throw new IllegalArgumentException("each instance needs its lease: " + models.size() + " models, "
                    + leases.size() + " leases");
        }
        this.models = List.copyOf(models);
        this.leases = List.copyOf(leases);
    }

    int count() {
        return models.size();
    }

    LoadedModel model(int instance) {
        return models.get(instance % models.size());
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

    void releaseLeases() {
        leases.forEach(Lease::close);
    }
}
