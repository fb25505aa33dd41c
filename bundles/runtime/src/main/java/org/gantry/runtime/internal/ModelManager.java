package org.gantry.runtime.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.BackendProvisioner;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.Drain;
import org.gantry.api.server.ModelEventListener;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelStatus;
import org.gantry.api.server.TensorMetadata;
import org.gantry.api.traffic.ExchangeInterceptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.condition.Condition;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime as a service: the {@link ModelServer} façade over its parts, and the component that tracks the
 * backends, provisioners and listeners. The parts: {@link ModelCatalog} (what models exist), {@link BackendTracker}
 * (which backend serves what), {@link ModelLifecycle} with {@link VersionLoader} and {@link Residency} (when and how
 * versions load and unload), {@link RequestExecutor} (the request path) and {@link ModelEvents} (the listeners).
 */
@Component(service = ModelServer.class, configurationPid = ModelManager.PID)
@Designate(ocd = RuntimeConfig.class)
public final class ModelManager implements ModelServer {

    static final String PID = "org.gantry.runtime";
    /** The reference to the start-up condition; {@code startup.target} in the configuration chooses it. */
    static final String STARTUP = "startup";
    private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);
    private static final String SERVER_VERSION = ModelManager.class.getPackage().getImplementationVersion() != null
            ? ModelManager.class.getPackage().getImplementationVersion() : "0.1.0";

    private final ModelCatalog catalog;
    private final VersionRegistry registry;
    private final BackendTracker backends;
    private final ModelEvents events = new ModelEvents();
    /** Canaries, shadows and capture: called around each {@link #infer}. */
    private final Exchanges exchanges = new Exchanges();
    private final ModelLifecycle lifecycle;
    private final RequestExecutor executor;
    private final OnDemandReadiness readiness;
    /** Explicit model control: only load requests load models. */
    private final boolean explicitControl;
    /** Poll model control: watches the repository for changes to loaded models; null in the other modes. */
    private final RepositoryPoller poller;

    @Activate
    public ModelManager(@Reference(name = "repository") ModelRepository repository,
            @Reference(name = "memory") MemoryManager memory, RuntimeConfig config) {
        this(repository, memory, config, new VersionRegistry(),
                actions -> new RepositoryPoller(repository, actions, config.pollIntervalSeconds()));
        // Started once the start-up condition holds: DS binds it right after this constructor when it already does.
        backends.started(false);
    }

    /**
     * @param registry where the versions live (given, so that a caller composing the runtime can look at its queues)
     * @param pollers  makes the poller of poll mode from what it should do
     */
    ModelManager(ModelRepository repository, MemoryManager memory, RuntimeConfig config, VersionRegistry registry,
            Function<RepositoryPoller.Actions, RepositoryPoller> pollers) {
        String mode = config.modelControlMode().trim().toLowerCase(Locale.ROOT);
        if (!Set.of("on-demand", "explicit", "poll").contains(mode)) {
            throw new IllegalArgumentException("modelControlMode must be on-demand, explicit or poll, not '"
                    + config.modelControlMode() + "'");
        }
        this.explicitControl = mode.equals("explicit");
        this.catalog = new ModelCatalog(repository);
        this.registry = registry;
        this.backends = new BackendTracker(TimeUnit.SECONDS.toNanos(config.backendWaitSeconds()),
                TimeUnit.SECONDS.toNanos(config.backendInstallWaitSeconds()));
        this.lifecycle = new ModelLifecycle(catalog, registry, backends, events, memory, new StepInvoker(this), config,
                explicitControl);
        this.executor = new RequestExecutor(lifecycle, events, new MemoryRetry(memory), config.maxQueueSize());
        this.readiness = new OnDemandReadiness(new ReadinessFacts(), memory, lifecycle.retryDelayNanos());
        this.poller = mode.equals("poll") ? pollers.apply(new PollActions()) : null;
        LOG.info("Gantry runtime started on model repository {}", repository.location());
    }

    @Deactivate
    void deactivate() {
        if (poller != null) {
            poller.close();
        }
        lifecycle.stop();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBackend(Backend backend) {
        backends.add(backend);
        LOG.info("Backend '{}' available for platforms {}", backend.name(), backend.platforms());
    }

    void removeBackend(Backend backend) {
        backends.remove(backend);
        lifecycle.unloadServedBy(backend);
        LOG.info("Backend '{}' removed; its models were unloaded", backend.name());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addProvisioner(BackendProvisioner provisioner) {
        backends.addProvisioner(provisioner);
    }

    void removeProvisioner(BackendProvisioner provisioner) {
        backends.removeProvisioner(provisioner);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(ModelEventListener listener) {
        events.add(listener);
    }

    void removeListener(ModelEventListener listener) {
        events.remove(listener);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addInterceptor(ExchangeInterceptor interceptor) {
        exchanges.add(interceptor);
    }

    void removeInterceptor(ExchangeInterceptor interceptor) {
        exchanges.remove(interceptor);
    }

    @Override
    public String name() {
        return "gantry";
    }

    @Override
    public String version() {
        return SERVER_VERSION;
    }

    /** Once the server's drain begins, the server is not ready: probes and proxies send requests elsewhere. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Drain drain;

    /**
     * The server's start-up: until its condition holds the server is not ready, and requests wait for backends not
     * seen yet (they may still be starting). The default target is the framework's TRUE condition; Karaf's
     * configuration targets {@code gantry.boot.finished}, which holds once Karaf's boot features are installed, so
     * that the backends they bring serve before the first probe says ready.
     */
    @Reference(name = STARTUP, cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            target = "(" + Condition.CONDITION_ID + "=" + Condition.CONDITION_ID_TRUE + ")", unbind = "unsetStartup")
    void setStartup(Condition condition) {
        backends.started(true);
        LOG.info("Gantry has started: its backends are {}", backends.running().stream().map(Backend::name).toList());
    }

    void unsetStartup(Condition condition) {
        backends.started(false);
    }

    @Override
    public boolean isReady() {
        Drain serverDrain = drain;
        return (serverDrain == null || !serverDrain.isDraining()) && backends.hasStarted() && catalog.isReadable();
    }

    @Override
    public InferenceResponse infer(String modelName, String version, InferenceRequest request) {
        long received = System.nanoTime();
        String chosen = exchanges.route(modelName, version, request);
        InferenceResponse response = executor.infer(modelName, chosen, request);
        exchanges.answered(modelName, version == null && chosen != null, request, response, received);
        return response;
    }

    /**
     * A canary routes streams as it routes single answers, so streaming callers meet the candidate in its share; the
     * exchange is not reported (a shadow or capture of a stream would need all of its responses, not one answer).
     */
    @Override
    public void inferStream(String modelName, String version, InferenceRequest request,
            Consumer<InferenceResponse> responses) {
        executor.inferStream(modelName, exchanges.route(modelName, version, request), request, responses);
    }

    /** The one rule for which backend serves what, as the runtime tracks them (the shell and ensembles ask it). */
    @Override
    public Optional<String> backendFor(ModelConfig config) {
        return Optional.ofNullable(backends.backendFor(config)).map(Backend::name);
    }

    @Override
    public Optional<String> missingBackend(ModelConfig config) {
        return backends.backendFor(config) != null ? Optional.empty()
                : Optional.of(backends.noBackendMessage(config));
    }

    @Override
    public ModelMetadata metadata(String modelName, String version) {
        RepositoryModel model = catalog.read(modelName);
        ModelConfig config = config(model, version);
        List<String> versions = ModelCatalog.servedVersions(model).stream().map(String::valueOf).toList();
        String platform = config.platform().isEmpty() ? config.backend() : config.platform();
        return new ModelMetadata(modelName, versions, platform, tensorMetadata(config, config.inputs()),
                tensorMetadata(config, config.outputs()));
    }

    private static List<TensorMetadata> tensorMetadata(ModelConfig config, List<TensorConfig> tensors) {
        return tensors.stream()
                .map(t -> new TensorMetadata(t.name(), t.dataType(), RequestValidator.expectedShape(config, t)))
                .toList();
    }

    @Override
    public ModelConfig config(String modelName, String version) {
        return config(catalog.read(modelName), version);
    }

    /** The configuration as completed by the backend once loaded, else as the repository has it. */
    private ModelConfig config(RepositoryModel model, String version) {
        ModelVersion known = registry.get(model.name(), ModelCatalog.chooseVersion(model, version));
        ModelConfig completed = known == null ? null : known.config();
        return completed != null ? completed : model.config();
    }

    @Override
    public boolean isModelReady(String modelName, String version) {
        return registry.isReady(modelName, version);
    }

    /** Ready, or (unless only load requests load models) a request would load and serve it now. */
    @Override
    public boolean willServe(String modelName, String version) {
        return isModelReady(modelName, version) || (!explicitControl && readiness.willServe(modelName, version));
    }

    @Override
    public List<ModelStatistics> statistics(String modelName, String version) {
        if (modelName == null) {
            return registry.all().stream()
                    .map(v -> v.statistics().snapshot(v.modelName(), v.version(), v.leases())).toList();
        }
        RepositoryModel model = catalog.read(modelName);
        List<Long> wanted = version == null ? List.copyOf(ModelCatalog.servedVersions(model))
                : List.of(ModelCatalog.chooseVersion(model, version));
        List<ModelStatistics> result = new ArrayList<>();
        for (long v : wanted) {
            ModelVersion known = registry.get(modelName, v);
            result.add(known != null ? known.statistics().snapshot(modelName, v, known.leases())
                    : new VersionStatistics().snapshot(modelName, v, List.of()));
        }
        return result;
    }

    @Override
    public List<ModelStatus> index() {
        return catalog.index(registry);
    }

    @Override
    public void load(String modelName) {
        lifecycle.load(modelName);
    }

    @Override
    public void load(String modelName, ModelOverride override) {
        lifecycle.load(modelName, override);
    }

    @Override
    public void unload(String modelName) {
        if (!registry.knows(modelName)) {
            catalog.read(modelName); // unknown models are 404; known but never loaded is a no-op, as Triton
            return;
        }
        lifecycle.unloadAll(modelName, "unloaded on request");
    }

    /**
     * Adds and loads the model in a folder; a folder of an ensemble and its step models (as Triton's SageMaker front
     * end takes them) adds the steps under their own names and loads them first.
     */
    @Override
    public void add(String modelName, Path directory) {
        if (isModelReady(modelName, null)) {
            throw ModelCatalog.alreadyLoaded(modelName);
        }
        AddedFolder folder = catalog.add(modelName, directory, registry::knows);
        try {
            for (RepositoryModel step : folder.steps()) {
                load(step.name());
            }
            load(modelName);
        } catch (RuntimeException e) {
            // Not loaded means not added: the caller may free memory and add it again.
            forget(modelName);
            throw e;
        }
    }

    @Override
    public void remove(String modelName) {
        if (!catalog.isAdded(modelName)) {
            throw GantryException.notFound("model '%s' is not loaded", modelName);
        }
        forget(modelName);
    }

    /** Unloads and forgets an added model and the steps it brought. */
    private void forget(String modelName) {
        for (String name : catalog.removeAdded(modelName)) {
            lifecycle.unloadAll(name, "removed on request");
            registry.forget(name);
        }
    }

    @Override
    public SortedMap<String, Path> addedModels() {
        return catalog.added();
    }

    @Override
    public void pin(String modelName, boolean pinned) {
        lifecycle.residency().pin(modelName, pinned);
    }

    /** What poll mode does with the repository's changes. */
    private final class PollActions implements RepositoryPoller.Actions {

        @Override
        public boolean isLoaded(String model) {
            return isModelReady(model, null);
        }

        @Override
        public void changed(String model, Set<Long> changedVersions, boolean configChanged) {
            try {
                // Changed versions load again beside the serving ones and take over once ready, as new versions
                // do; versions no longer selected retire. No request sees a gap.
                load(model);
            } catch (GantryException e) {
                LOG.warn("Model '{}' changed in the repository but could not load: {}", model, e.getMessage());
            }
        }

        @Override
        public void removed(String model) {
            lifecycle.unloadAll(model, "removed from the repository");
        }
    }

    /** What on-demand readiness looks at. */
    private final class ReadinessFacts implements OnDemandReadiness.Runtime {

        @Override
        public RepositoryModel model(String name) {
            return catalog.read(name);
        }

        @Override
        public ModelVersion registered(String model, long version) {
            return registry.get(model, version);
        }

        @Override
        public Backend backendFor(ModelConfig config) {
            return backends.backendOrProvision(config);
        }
    }
}
