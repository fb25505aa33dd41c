package org.gantry.backend.ensemble.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelInvoker;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Triton's {@code ensemble} platform: a model whose {@code ensemble_scheduling} steps run other models of the
 * server. Step models are ordinary models, loaded on demand under their own memory leases and shared between
 * ensembles; the ensemble itself holds no memory. Its load checks the whole graph against the step models'
 * configurations and, as the server answers it, the backend that serves each, so an ensemble is READY only when its
 * steps can be served.
 */
@Component(service = Backend.class)
public final class EnsembleBackend implements Backend {

    static final String PLATFORM = "ensemble";

    private final ExecutorService branches;

    public EnsembleBackend() {
        AtomicInteger threads = new AtomicInteger();
        this.branches = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "gantry-ensemble-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Deactivate
    void deactivate() {
        branches.shutdownNow();
    }

    @Override
    public String name() {
        return PLATFORM;
    }

    /** The ensemble's version folder is empty by convention: it holds nothing, so it leases nothing. */
    @Override
    public double footprintPerArtifactByte() {
        return 0;
    }

    @Override
    public LoadedModel load(ModelLoadContext context) {
        // The server that loads the ensemble runs its steps and says which backend serves each. (Not a DS
        // reference: the server tracks this backend, and references both ways are a cycle.)
        ModelInvoker server = context.invoker();
        if (server == null) {
            throw GantryException.unavailable("ensemble '%s' can only be loaded by a server, which runs its steps",
                    context.config().name());
        }
        EnsemblePlan plan = EnsemblePlan.of(context.config(), new EnsemblePlan.Catalog() {
            @Override
            public ModelConfig config(String model, String version) {
                return server.config(model, version);
            }

            @Override
            public String missingBackend(ModelConfig config) {
                return server.missingBackend(config).orElse(null);
            }
        });
        return new EnsembleModel(plan, server, branches);
    }
}
