package org.gantry.backend.ensemble.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelServer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Triton's {@code ensemble} platform: a model whose {@code ensemble_scheduling} steps run other models of the
 * server. Step models are ordinary models, loaded on demand under their own memory leases and shared between
 * ensembles; the ensemble itself holds no memory. Its load checks the whole graph against the step models'
 * configurations and the installed backends, so an ensemble is READY only when its steps can be served.
 */
@Component(service = Backend.class)
public final class EnsembleBackend implements Backend {

    static final String PLATFORM = "ensemble";

    /** The other backends (processors included), to check that every step model has one. */
    private final List<Backend> backends = new CopyOnWriteArrayList<>();
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

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(!(component.name=org.gantry.backend.ensemble.internal.EnsembleBackend))")
    void addBackend(Backend backend) {
        backends.add(backend);
    }

    void removeBackend(Backend backend) {
        backends.remove(backend);
    }

    @Override
    public String name() {
        return PLATFORM;
    }

    @Override
    public Set<String> platforms() {
        return Set.of(PLATFORM);
    }

    /** The ensemble's version folder is empty by convention: it holds nothing, so it leases nothing. */
    @Override
    public double footprintPerArtifactByte() {
        return 0;
    }

    @Override
    public LoadedModel load(ModelLoadContext context) {
        // The server that loads the ensemble runs its steps. (Not a DS reference: the server tracks this backend,
        // and references both ways are a cycle.)
        ModelServer server = context.server();
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
                return EnsembleBackend.this.missingBackend(config);
            }
        });
        return new EnsembleModel(plan, server, branches);
    }

    /** Why no backend serves {@code config}, or null when one does: the ensemble backend and the others. */
    String missingBackend(ModelConfig config) {
        if (config.backend().isEmpty() && config.platform().isEmpty()) {
            return "its config.pbtxt names neither a platform nor a backend";
        }
        if (serves(config)) {
            return null; // a nested ensemble
        }
        for (Backend backend : backends) {
            if (backend.serves(config)) {
                return null;
            }
        }
        String installed = backends.stream().map(Backend::name).sorted().collect(Collectors.joining(", "));
        return (config.backend().isEmpty() ? "no backend for platform '" + config.platform() + "'"
                : "no backend or processor named '" + config.backend() + "'") + " is installed (installed: " + PLATFORM
                + (installed.isEmpty() ? "" : ", " + installed) + ")";
    }
}
