package org.gantry.runtime.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.BackendProvisioner;
import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.backend.ResponseSink;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.model.InstanceGroup;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.Drain;
import org.gantry.api.server.LoadPhase;
import org.gantry.api.server.ModelEventListener;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelStatus;
import org.gantry.api.server.TensorMetadata;
import org.gantry.api.tensor.Tensor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model registry: resolves model names and versions against the repository, loads models on their first
 * request (one load shared by every waiter), runs validated requests on the loaded model, and unloads models
 * whose backend goes away. Backends are tracked as whiteboard services; none is named here.
 */
@Component(service = ModelServer.class, configurationPid = ModelManager.PID)
@Designate(ocd = RuntimeConfig.class)
public final class ModelManager implements ModelServer {

    static final String PID = "org.gantry.runtime";
    /** How often a request reloads a model that memory pressure evicted before the request got to run. */
    private static final int MAX_ADMISSION_ATTEMPTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);
    private static final String SERVER_VERSION = ModelManager.class.getPackage().getImplementationVersion() != null
            ? ModelManager.class.getPackage().getImplementationVersion() : "0.1.0";

    private final ModelRepository repository;
    private final MemoryManager memory;
    /** Models pinned through the API: their leases are never evicted, now or after a reload. */
    private final Set<String> pinnedModels = ConcurrentHashMap.newKeySet();
    private final List<Backend> backends = new CopyOnWriteArrayList<>();
    private final List<ModelEventListener> listeners = new CopyOnWriteArrayList<>();
    /** Model name → versions known to the registry (loaded, loading, failed, or unloaded with a reason). */
    private final Map<String, NavigableMap<Long, ModelVersion>> models = new ConcurrentHashMap<>();
    private final ExecutorService loaders;
    private final Map<Device, Semaphore> loadSlots = new ConcurrentHashMap<>();
    private final int loadsPerDevice;
    private final boolean measureLoadOverhead;
    private final long loadTimeoutNanos;
    /** How long a load waits for busy or loading models to make room. */
    private final Duration loadWait;
    private final long retryDelayNanos;
    private final long drainTimeoutNanos;
    private final int maxQueueSize;
    private final long backendWaitNanos;
    /** Explicit model control: only load requests load models; these are the models they loaded. */
    private final boolean explicitControl;
    private final Set<String> explicitlyLoaded = ConcurrentHashMap.newKeySet();
    /** Poll model control: watches the repository for changes to loaded models; null in the other modes. */
    private final RepositoryPoller poller;
    /** Signalled when a backend arrives; guards {@link #servedBefore}. */
    private final Object backendsChanged = new Object();
    /** Backend names and platforms that some backend has served: when it goes, one is expected back (an update). */
    private final Set<String> servedBefore = new HashSet<>();
    private final KeepWarm keepWarm = new KeepWarm(this::reloadEvicted);
    /** Models added from folders outside the repository (SageMaker's multi-model API), by name. */
    private final AddedModels addedModels = new AddedModels();
    /** Configurations and files given with a load request, in force until the model is unloaded. */
    private final LoadOverrides overrides;
    /** Reloads of serving models: a new generation loads beside the serving one and takes over once ready. */
    private final GenerationSwap generations = new GenerationSwap(new Generations());
    private final OnDemandReadiness readiness;
    /** Backends that ship but do not run, provided on demand (a Karaf feature installed on first use). */
    private final BackendProvisioning provisioning;

    @Activate
    public ModelManager(@Reference(name = "repository") ModelRepository repository,
            @Reference(name = "memory") MemoryManager memory, RuntimeConfig config) {
        this.repository = repository;
        this.memory = memory;
        this.loaders = Executors.newFixedThreadPool(config.loadThreads(), namedDaemonThreads("gantry-loader"));
        this.loadsPerDevice = config.loadsPerDevice();
        this.measureLoadOverhead = config.measureLoadOverhead();
        this.loadTimeoutNanos = TimeUnit.SECONDS.toNanos(config.loadTimeoutSeconds());
        this.loadWait = Duration.ofSeconds(config.loadWaitSeconds());
        this.retryDelayNanos = TimeUnit.SECONDS.toNanos(config.failedLoadRetrySeconds());
        this.drainTimeoutNanos = TimeUnit.SECONDS.toNanos(config.drainTimeoutSeconds());
        this.maxQueueSize = config.maxQueueSize();
        this.backendWaitNanos = TimeUnit.SECONDS.toNanos(config.backendWaitSeconds());
        String mode = config.modelControlMode().trim().toLowerCase(java.util.Locale.ROOT);
        if (!Set.of("on-demand", "explicit", "poll").contains(mode)) {
            throw new IllegalArgumentException("modelControlMode must be on-demand, explicit or poll, not '"
                    + config.modelControlMode() + "'");
        }
        this.explicitControl = mode.equals("explicit");
        this.poller = mode.equals("poll")
                ? new RepositoryPoller(repository, new PollActions(), config.pollIntervalSeconds()) : null;
        this.overrides = new LoadOverrides(repository);
        this.readiness = new OnDemandReadiness(new ReadinessFacts(), memory, retryDelayNanos);
        this.provisioning = new BackendProvisioning((wanted, nanos) -> awaitServing(wanted, System.nanoTime() + nanos),
                TimeUnit.SECONDS.toNanos(config.backendInstallWaitSeconds()));
        LOG.info("Gantry runtime started on model repository {}", repository.location());
    }

    @Deactivate
    void deactivate() {
        if (poller != null) {
            poller.close();
        }
        keepWarm.close();
        loaders.shutdownNow();
        for (NavigableMap<Long, ModelVersion> versions : models.values()) {
            for (ModelVersion version : versions.values()) {
                unloadVersion(version, "the server is stopping");
            }
        }
        models.clear();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBackend(Backend backend) {
        backends.add(backend);
        synchronized (backendsChanged) {
            servedBefore.add(backend.name());
            servedBefore.addAll(backend.platforms());
            backendsChanged.notifyAll();
        }
        LOG.info("Backend '{}' available for platforms {}", backend.name(), backend.platforms());
    }

    void removeBackend(Backend backend) {
        backends.remove(backend);
        String why = String.format("backend '%s' was stopped; the model loads again on its next request once a"
                + " backend for it is available", backend.name());
        for (NavigableMap<Long, ModelVersion> versions : models.values()) {
            for (ModelVersion version : versions.values()) {
                if (version.backend() == backend) {
                    unloadVersion(version, why);
                }
            }
        }
        LOG.info("Backend '{}' removed; its models were unloaded", backend.name());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addProvisioner(BackendProvisioner provisioner) {
        provisioning.add(provisioner);
    }

    void removeProvisioner(BackendProvisioner provisioner) {
        provisioning.remove(provisioner);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(ModelEventListener listener) {
        listeners.add(listener);
    }

    void removeListener(ModelEventListener listener) {
        listeners.remove(listener);
    }

    /** Tells every listener; one that fails is logged and never breaks the event's own work. */
    private void notifyListeners(Consumer<ModelEventListener> event) {
        for (ModelEventListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("Model event listener {} failed", listener, e);
            }
        }
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

    @Override
    public boolean isReady() {
        Drain serverDrain = drain;
        return (serverDrain == null || !serverDrain.isDraining()) && Files.isDirectory(Path.of(repository.location()));
    }

    @Override
    public InferenceResponse infer(String modelName, String version, InferenceRequest request) {
        InferenceResponse[] answer = new InferenceResponse[1];
        execute(modelName, version, request, false, response -> answer[0] = response);
        return answer[0];
    }

    @Override
    public void inferStream(String modelName, String version, InferenceRequest request,
            Consumer<InferenceResponse> responses) {
        execute(modelName, version, request, true, responses);
    }

    private void execute(String modelName, String version, InferenceRequest request, boolean stream,
            Consumer<InferenceResponse> responses) {
        long started = System.nanoTime();
        long requestedTimeout = RequestScheduling.timeoutMicros(request);
        long loadDeadline = requestedTimeout > 0 ? started + TimeUnit.MICROSECONDS.toNanos(requestedTimeout)
                : ExecutionQueue.NO_DEADLINE;
        ModelVersion target = resolveForServing(modelName, version, loadDeadline);
        ModelInstances model = target.acquire();
        for (int attempt = 1; model == null && attempt < MAX_ADMISSION_ATTEMPTS; attempt++) {
            // Evicted between its load and this request's admission: load it again rather than fail.
            target = resolveForServing(modelName, version, loadDeadline);
            model = target.acquire();
        }
        if (model == null) {
            throw GantryException.unavailable("model '%s' version %d was unloaded %d times while this request waited"
                    + " (memory is short); retry shortly", modelName, target.version(), MAX_ADMISSION_ATTEMPTS);
        }
        long admittedVersion = target.version();
        notifyListeners(l -> l.inferenceStarted(modelName, admittedVersion));
        VersionStatistics statistics = target.statistics();
        ModelConfig config = target.config();
        boolean succeeded = false;
        try {
            long validating = System.nanoTime();
            InferenceRequest valid = RequestValidator.validate(config, request);
            long validation = System.nanoTime() - validating;
            long rows = config.batched() && !valid.inputs().isEmpty() ? valid.inputs().get(0).dim(0) : 1;
            ExecutionQueue.Ticket ticket = RequestScheduling.ticket(config, request, started, maxQueueSize);
            String servedVersion = Long.toString(target.version());
            ModelInstances running = model;
            ModelVersion serving = target;
            ExecutionQueue.Outcome outcome;
            if (stream) {
                // A stream runs alone, delivering each response as the model produces it.
                outcome = target.queue().submit(valid, rows, false, ticket, (batch, instance) -> {
                    long began = System.nanoTime();
                    long[] outputNanos = new long[1];
                    streamResponses(serving, running.model(instance), config, request, batch.get(0), servedVersion,
                            responses, outputNanos);
                    long inferNanos = System.nanoTime() - began - outputNanos[0];
                    statistics.execution(rows, validation, inferNanos, outputNanos[0]);
                    statistics.computeInfer.add(inferNanos);
                    statistics.computeOutput.add(outputNanos[0]);
                    return List.of(List.of());
                });
            } else {
                outcome = target.queue().submit(valid, rows, true, ticket,
                        (batch, instance) -> runBatch(serving, running.model(instance), batch, validation));
            }
            statistics.queue.add(outcome.startedNanos() - started);
            statistics.computeInput.add(validation);
            statistics.inferences.add(rows);
            if (!stream) {
                long outputStarted = System.nanoTime();
                List<Tensor> outputs = RequestValidator.selectOutputs(config, request.outputs(), outcome.outputs());
                InferenceResponse response = new InferenceResponse(modelName, servedVersion, request.id(), Map.of(),
                        outputs);
                statistics.computeOutput.add(System.nanoTime() - outputStarted);
                responses.accept(response);
            }
            succeeded = true;
        } finally {
            target.release();
            long duration = System.nanoTime() - started;
            (succeeded ? statistics.success : statistics.fail).add(duration);
            statistics.lastInferenceMillis = System.currentTimeMillis();
            long servedVersion = target.version();
            boolean success = succeeded;
            notifyListeners(l -> l.inferenceCompleted(modelName, servedVersion, duration, success));
        }
    }

    /**
     * Runs one batch: the requests stacked into one execution (or the single request as it is), then the outputs
     * split back per request. Runs on whichever caller thread holds the execution slot.
     */
    private List<List<Tensor>> runBatch(ModelVersion target, LoadedModel model, List<InferenceRequest> batch,
            long validationNanos) {
        VersionStatistics statistics = target.statistics();
        long began = System.nanoTime();
        InferenceRequest merged = batch.size() == 1 ? batch.get(0) : Batches.stack(batch);
        long stacked = System.nanoTime();
        List<Tensor> produced;
        try {
            produced = guarded(target, () -> model.infer(merged));
        } catch (GantryException e) {
            if (e.kind() != ErrorKind.INSUFFICIENT_MEMORY || !evictForRetry(target.lease(), e)) {
                throw e;
            }
            produced = guarded(target, () -> model.infer(merged)); // once, after other models made room
        }
        long inferred = System.nanoTime();
        long[] rows = new long[batch.size()];
        ModelConfig config = target.config();
        for (int i = 0; i < rows.length; i++) {
            rows[i] = config != null && config.batched() ? batch.get(i).inputs().get(0).dim(0) : 1;
        }
        List<List<Tensor>> perRequest = batch.size() == 1 ? List.of(produced) : Batches.split(produced, rows);
        long split = System.nanoTime();
        statistics.execution(Arrays.stream(rows).sum(), validationNanos + stacked - began, inferred - stacked,
                split - inferred);
        for (int i = 0; i < batch.size(); i++) {
            statistics.computeInfer.add(inferred - stacked); // each request waited for the whole execution
        }
        return perRequest;
    }

    private void streamResponses(ModelVersion target, LoadedModel model, ModelConfig config,
            InferenceRequest request, InferenceRequest valid, String servedVersion,
            Consumer<InferenceResponse> responses, long[] outputNanos) {
        boolean[] finished = new boolean[1];
        ResponseSink sink = (produced, last) -> {
            if (finished[0]) {
                throw new IllegalStateException("a response was sent after the final one");
            }
            finished[0] = last;
            long outputStarted = System.nanoTime();
            List<Tensor> outputs = RequestValidator.selectOutputs(config, request.outputs(), produced);
            InferenceResponse response = new InferenceResponse(target.modelName(), servedVersion, request.id(),
                    Map.of(FINAL_RESPONSE, last), outputs);
            outputNanos[0] += System.nanoTime() - outputStarted;
            responses.accept(response);
        };
        guarded(target, () -> {
            model.inferStream(valid, sink);
            return null;
        });
        if (!finished[0]) { // the model did not know its last response was the last: close the stream
            responses.accept(new InferenceResponse(target.modelName(), servedVersion, request.id(),
                    Map.of(FINAL_RESPONSE, true), List.of()));
        }
    }

    /** Runs a backend call, turning engine faults into INTERNAL errors with the model named. */
    private static <T> T guarded(ModelVersion target, Supplier<T> call) {
        try {
            return call.get();
        } catch (GantryException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Inference of model '{}' version {} failed", target.modelName(), target.version(), e);
            throw GantryException.internal(String.format("model '%s' version %d failed to run: %s",
                    target.modelName(), target.version(), e), e);
        }
    }

    /** The folder a model given by a load override or added from elsewhere is read from, or null (for tests). */
    Path addedOrOverriddenFolder(String modelName) {
        RepositoryModel model = overrides.get(modelName);
        model = model != null ? model : addedModels.get(modelName);
        return model == null ? null : model.directory();
    }

    /**
     * Keep-warm: loads again the versions of a model that memory pressure evicted (as a request would, warm-up
     * included). Returns false when the model is gone, so that keep-warm forgets it.
     */
    private boolean reloadEvicted(String modelName) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        RepositoryModel model;
        try {
            model = readModel(modelName);
        } catch (GantryException gone) {
            return false;
        }
        if (versions != null) {
            for (ModelVersion version : versions.values()) {
                if (version.wasEvicted() && version.state() == ModelState.UNAVAILABLE) {
                    LOG.info("Keep-warm: loading model '{}' version {} again after its eviction", modelName,
                            version.version());
                    version.startLoad(v -> startLoading(v, model, false), retryDelayNanos);
                }
            }
        }
        return true;
    }

    /** The repository poller in poll mode, else null (for tests, which poll by hand). */
    RepositoryPoller poller() {
        return poller;
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
            unloadAll(model, "removed from the repository");
        }
    }

    /** What a reload does with the runtime's versions. */
    private final class Generations implements GenerationSwap.Lifecycle {

        @Override
        public ModelVersion registered(String model, long version) {
            return knownVersion(model, version);
        }

        @Override
        public void loadUnregistered(List<ModelVersion> versions, RepositoryModel model) {
            awaitBackend(model.config(), System.nanoTime() + backendWaitNanos);
            List<CompletableFuture<Void>> loads = new ArrayList<>();
            for (ModelVersion version : versions) {
                loads.add(version.startLoad(v -> startLoading(v, model, false), 0));
            }
            for (int i = 0; i < versions.size(); i++) {
                ModelVersion version = versions.get(i);
                CompletableFuture<Void> load = loads.get(i);
                version.holdDuring(() -> { // not evicted before the load request has seen it ready
                    if (!awaitLoad(version, load, true, ExecutionQueue.NO_DEADLINE)) {
                        throw GantryException.unavailable("model '%s' version %d was unloaded before it could take"
                                + " over (memory is short); retry the load", model.name(), version.version());
                    }
                });
            }
        }

        @Override
        public ModelVersion register(ModelVersion next) {
            return versionsOf(next.modelName()).put(next.version(), next);
        }

        @Override
        public void unload(ModelVersion version, String why) {
            unloadVersion(version, why);
        }

        @Override
        public void retireUnselected(RepositoryModel model) {
            ModelManager.this.retireUnselected(model);
        }
    }

    /** What on-demand readiness looks at. */
    private final class ReadinessFacts implements OnDemandReadiness.Runtime {

        @Override
        public RepositoryModel model(String name) {
            return readModel(name);
        }

        @Override
        public ModelVersion registered(String model, long version) {
            return knownVersion(model, version);
        }

        @Override
        public Backend backendFor(ModelConfig config) {
            Backend backend = ModelManager.this.backendFor(config);
            if (backend == null) {
                provisioning.start(config); // a client asking is a client about to ask for it: start providing it
            }
            return backend;
        }
    }

    /** Requests waiting for an execution slot of a model version (for tests and diagnostics). */
    int queuedRequests(String modelName, long version) {
        ModelVersion known = knownVersion(modelName, version);
        return known == null ? 0 : known.queue().waiting();
    }

    @Override
    public ModelMetadata metadata(String modelName, String version) {
        RepositoryModel model = readModel(modelName);
        ModelConfig config = config(model, version);
        List<String> versions = servedVersions(model).stream().map(String::valueOf).toList();
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
        return config(readModel(modelName), version);
    }

    /** The configuration as completed by the backend once loaded, else as the repository has it. */
    private ModelConfig config(RepositoryModel model, String version) {
        long chosen = chooseVersion(model, version);
        ModelVersion known = knownVersion(model.name(), chosen);
        ModelConfig completed = known == null ? null : known.config();
        return completed != null ? completed : model.config();
    }

    @Override
    public boolean isModelReady(String modelName, String version) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        if (versions == null) {
            return false;
        }
        if (version == null) {
            return versions.values().stream().anyMatch(ModelVersion::isReady);
        }
        Optional<Long> parsed = parseVersion(version);
        return parsed.isPresent() && versions.containsKey(parsed.get()) && versions.get(parsed.get()).isReady();
    }

    /** Ready, or (unless only load requests load models) a request would load and serve it now. */
    @Override
    public boolean willServe(String modelName, String version) {
        return isModelReady(modelName, version) || (!explicitControl && readiness.willServe(modelName, version));
    }

    @Override
    public List<ModelStatistics> statistics(String modelName, String version) {
        if (modelName == null) {
            List<ModelStatistics> all = new ArrayList<>();
            models.forEach((name, versions) -> versions.values()
                    .forEach(v -> all.add(v.statistics().snapshot(name, v.version(), v.leases()))));
            return all;
        }
        RepositoryModel model = readModel(modelName);
        List<Long> wanted = version == null ? List.copyOf(servedVersions(model))
                : List.of(chooseVersion(model, version));
        List<ModelStatistics> result = new ArrayList<>();
        for (long v : wanted) {
            ModelVersion known = knownVersion(modelName, v);
            result.add(known != null ? known.statistics().snapshot(modelName, v, known.leases())
                    : new VersionStatistics().snapshot(modelName, v, List.of()));
        }
        return result;
    }

    @Override
    public List<ModelStatus> index() {
        List<ModelStatus> statuses = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        for (String name : repository.modelNames()) {
            try {
                Optional<RepositoryModel> model = repository.model(name);
                if (model.isEmpty()) {
                    continue;
                }
                for (long version : servedVersions(model.get())) {
                    listed.add(name + "/" + version);
                    ModelVersion known = knownVersion(name, version);
                    statuses.add(known != null ? known.status()
                            : new ModelStatus(name, Long.toString(version), ModelState.UNAVAILABLE, ""));
                }
            } catch (GantryException e) {
                statuses.add(new ModelStatus(name, "", ModelState.UNAVAILABLE, e.getMessage()));
            }
        }
        for (String name : addedModels.names()) {
            RepositoryModel model = addedModels.get(name);
            if (model != null) {
                for (long version : servedVersions(model)) {
                    listed.add(name + "/" + version);
                    ModelVersion known = knownVersion(name, version);
                    statuses.add(known != null ? known.status()
                            : new ModelStatus(name, Long.toString(version), ModelState.UNAVAILABLE, ""));
                }
            }
        }
        // Versions still loaded although gone from the repository (or from the version policy).
        for (NavigableMap<Long, ModelVersion> versions : models.values()) {
            for (ModelVersion version : versions.values()) {
                if (!listed.contains(version.modelName() + "/" + version.version())) {
                    statuses.add(version.status());
                }
            }
        }
        return statuses;
    }

    /**
     * Loads the versions the policy selects; versions that serve but whose files changed since their load are loaded
     * again (as a new generation that takes over once ready), as Triton's load of a loaded model does.
     */
    @Override
    public void load(String modelName) {
        RepositoryModel model = readModel(modelName);
        SortedSet<Long> selected = servedVersions(model);
        if (selected.isEmpty()) {
            throw noVersions(model);
        }
        explicitlyLoaded.add(modelName);
        SortedSet<Long> changed = generations.changedVersions(model, selected);
        if (!changed.isEmpty()) {
            generations.reload(model, changed);
        }
        NavigableMap<Long, ModelVersion> versions = versionsOf(modelName);
        List<ModelVersion> targets = new ArrayList<>();
        for (long version : selected) {
            ModelVersion target = versions.computeIfAbsent(version, v -> new ModelVersion(modelName, v));
            targets.add(target);
            target.startLoad(v -> startLoading(v, model, false), 0); // all versions load in parallel
        }
        // Versions the policy no longer selects keep serving until the selected ones are ready (loadVersion then
        // retires them); if a new version fails, they go on serving and the failure is reported.
        for (ModelVersion target : targets) {
            target.holdDuring(() -> loadUntilReady(target, model, 0, true, ExecutionQueue.NO_DEADLINE));
        }
    }

    /** After a version became ready: versions of the model that its policy no longer selects drain and unload. */
    private void retireUnselected(RepositoryModel model) {
        SortedSet<Long> selected = servedVersions(model);
        NavigableMap<Long, ModelVersion> versions = models.get(model.name());
        if (versions == null || !selected.stream().map(versions::get).allMatch(v -> v != null && v.isReady())) {
            return; // not every selected version serves yet
        }
        for (ModelVersion version : versions.values()) {
            if (!selected.contains(version.version()) && version.state() == ModelState.READY) {
                CompletableFuture.runAsync(() -> unloadVersion(version, "replaced: the version policy selects "
                        + selected), loaders);
            }
        }
    }

    /**
     * Loads the model with the caller's configuration (and files) as a new generation that takes over once ready; a
     * load without one keeps the override in force, as Triton does, until the model is unloaded. If the new
     * generation fails to load, the one serving goes on unchanged and the override is not kept.
     */
    @Override
    public void load(String modelName, ModelOverride override) {
        if (override == null || override.isEmpty()) {
            load(modelName);
            return;
        }
        RepositoryModel replacement = overrides.prepare(modelName, override, this::readModel);
        try {
            SortedSet<Long> selected = servedVersions(replacement);
            if (selected.isEmpty()) {
                throw noVersions(replacement);
            }
            explicitlyLoaded.add(modelName);
            generations.reload(replacement, selected); // the new configuration applies to every version
        } catch (RuntimeException e) {
            overrides.discard(replacement);
            throw e;
        }
        overrides.commit(replacement);
    }

    @Override
    public void unload(String modelName) {
        if (models.get(modelName) == null) {
            readModel(modelName); // unknown models are 404; known but never loaded is a no-op, as Triton
            return;
        }
        unloadAll(modelName, "unloaded on request");
    }

    /** Unloads every version of a model and forgets a configuration given at load, and its keep-warm. */
    private void unloadAll(String modelName, String why) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        if (versions != null) {
            for (ModelVersion version : versions.values()) {
                unloadVersion(version, why);
            }
        }
        overrides.remove(modelName);
        keepWarm.forget(modelName);
        explicitlyLoaded.remove(modelName);
    }

    /**
     * Adds and loads the model in a folder; a folder of an ensemble and its step models (as Triton's SageMaker front
     * end takes them) adds the steps under their own names and loads them first.
     */
    @Override
    public void add(String modelName, Path directory) {
        if (isModelReady(modelName, null) || addedModels.contains(modelName)) {
            throw new GantryException(ErrorKind.CONFLICT, String.format("model '%s' is already loaded", modelName));
        }
        if (repository.model(modelName).isPresent()) {
            throw new GantryException(ErrorKind.CONFLICT, String.format("model '%s' already exists in the repository %s;"
                    + " choose another name", modelName, repository.location()));
        }
        AddedFolder folder = AddedFolder.read(repository, modelName, directory);
        addedModels.add(folder, name -> repository.model(name).isPresent() || models.containsKey(name));
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
        if (!addedModels.isListed(modelName)) {
            throw GantryException.notFound("model '%s' is not loaded", modelName);
        }
        forget(modelName);
    }

    /** Unloads and forgets an added model and the steps it brought. */
    private void forget(String modelName) {
        for (String name : addedModels.remove(modelName)) {
            unloadAll(name, "removed on request");
            models.remove(name);
        }
    }

    @Override
    public SortedMap<String, Path> addedModels() {
        return addedModels.listed();
    }

    /** Finds the version a request is for and makes sure it is loaded; the caller must acquire it next (expected). */
    private ModelVersion resolveForServing(String modelName, String version, long deadlineNanos) {
        ModelVersion ready = readyVersion(modelName, version);
        if (ready != null) {
            return ready; // hot path: no repository access for a resident model
        }
        RepositoryModel model = readModel(modelName);
        if (explicitControl && !explicitlyLoaded.contains(modelName)) {
            throw GantryException.unavailable("model '%s' is not loaded: in explicit model control mode only a load"
                    + " request loads a model (POST /v2/repository/models/%s/load, or gantry:load)", modelName,
                    modelName);
        }
        long chosen = chooseVersion(model, version);
        ModelVersion target = versionsOf(modelName).computeIfAbsent(chosen, v -> new ModelVersion(modelName, v));
        if (version == null) {
            ModelVersion serving = replacedReadyVersion(modelName, servedVersions(model));
            if (serving != null) {
                // A newer version is on its way (or failed): the ready one serves until the newer is ready, so
                // traffic switches at once when it is, and a broken new version never interrupts it.
                target.startLoad(v -> startLoading(v, model, false), retryDelayNanos);
                if (serving.expectIfReady()) {
                    return serving;
                }
            }
        }
        target.expectDuring(() -> loadUntilReady(target, model, retryDelayNanos, false, deadlineNanos));
        return target;
    }

    /**
     * The newest ready version that the policy no longer selects: one being replaced by a newer version. (A version
     * the policy still selects never stands in for another: a client asking for the default gets the newest.)
     */
    private ModelVersion replacedReadyVersion(String modelName, SortedSet<Long> selected) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        if (versions == null) {
            return null;
        }
        for (ModelVersion candidate : versions.descendingMap().values()) {
            if (!selected.contains(candidate.version()) && candidate.isReady()) {
                return candidate;
            }
        }
        return null;
    }

    private void loadUntilReady(ModelVersion target, RepositoryModel model, long retryDelay, boolean explicit,
            long deadlineNanos) {
        long backendDeadline = Math.min(System.nanoTime() + backendWaitNanos, deadlineNanos); // one wait in all
        for (int attempt = 0; attempt < MAX_ADMISSION_ATTEMPTS; attempt++) {
            awaitBackend(model.config(), backendDeadline);
            if (awaitLoad(target, target.startLoad(v -> startLoading(v, model, !explicit), retryDelay), explicit,
                    deadlineNanos)) {
                return;
            }
        }
        throw GantryException.unavailable("model '%s' version %d could not serve after %d loads (%s); retry shortly",
                target.modelName(), target.version(), MAX_ADMISSION_ATTEMPTS, target.reason());
    }

    /**
     * While the backend a model needs is away but served before (a backend bundle being updated or restarted),
     * waits for it to come back until {@code deadline} ({@code backendWaitSeconds} after the request first looked, at
     * most), so that requests meanwhile are delayed instead of failed. A backend that never existed is not waited
     * for, unless a provisioner provides it on demand: the load then fails at once with the reason.
     */
    private void awaitBackend(ModelConfig config, long deadline) {
        if (servedBefore(config) && awaitServing(config, deadline)) {
            return;
        }
        if (backendFor(config) == null) {
            provisioning.await(config, deadline); // one that ships but does not run may be provided on demand
        }
    }

    /** Waits until a running backend serves the configuration or the deadline passes; true when one does. */
    private boolean awaitServing(ModelConfig config, long deadline) {
        synchronized (backendsChanged) {
            while (backendFor(config) == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(backendsChanged, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Whether a backend for the model served before: one that is away now is expected back (an update). */
    private boolean servedBefore(ModelConfig config) {
        synchronized (backendsChanged) {
            return servedBefore.contains(!config.backend().isEmpty() ? config.backend() : config.platform());
        }
    }

    /** A ready version matching the request, expecting it, without touching the repository; or null. */
    private ModelVersion readyVersion(String modelName, String version) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        if (versions == null) {
            return null;
        }
        if (version != null) {
            ModelVersion exact = parseVersion(version).map(versions::get).orElse(null);
            return exact != null && exact.expectIfReady() ? exact : null;
        }
        // The newest version is the default; only serve from memory if it is the ready one.
        Map.Entry<Long, ModelVersion> newest = versions.lastEntry();
        return newest != null && newest.getValue().expectIfReady() ? newest.getValue() : null;
    }

    /** @param coldStart whether a request waits for this load (rather than an explicit load) */
    private CompletableFuture<Void> startLoading(ModelVersion target, RepositoryModel model, boolean coldStart) {
        return CompletableFuture.runAsync(() -> loadVersion(target, model, coldStart), loaders);
    }

    private void loadVersion(ModelVersion target, RepositoryModel model, boolean coldStart) {
        long started = System.nanoTime();
        List<Lease> leases = new ArrayList<>();
        List<LoadedModel> instances = new ArrayList<>();
        LoadProgress progress = new LoadProgress(target.modelName(), target.version(), this::notifyListeners);
        boolean succeeded = false;
        try {
            progress.enter(LoadPhase.READ);
            Backend backend = backendFor(model.config());
            if (backend == null) {
                target.unavailable(noBackendMessage(model.config()), servedBefore(model.config()));
                return;
            }
            target.loadingFrom(ModelFingerprint.of(model.directory(), target.version()));
            LoadContext context = new LoadContext(model.config(), target.version(), model.directory(), Device.CPU,
                    this);
            ModelConfig completed = backend.complete(context);
            KeepWarm.validate(completed);
            Artifact artifact = Artifact.of(context.versionDirectory());
            String artifactKey = artifact.key(target.modelName(), target.version());
            OptionalLong learned = memory.learnedFootprint(artifactKey);
            long estimate = learned.orElse((long) Math.ceil(artifact.bytes() * backend.footprintPerArtifactByte()));
            for (int instance = 0; instance < completed.instanceCount(); instance++) {
                // Later instances lease what the first one was measured to need.
                long expected = instance == 0 ? estimate : leases.get(0).bytes();
                boolean measure = instance == 0 && measureLoadOverhead && learned.isEmpty();
                loadInstance(target, backend, completed, model.directory(), artifact, artifactKey, expected, measure,
                        leases, instances, progress);
            }
            if (!backends.contains(backend)) {
                release(instances, leases); // the backend left while we were loading
                target.unavailable("backend '" + backend.name() + "' was stopped while the model was loading", true);
                return;
            }
            target.loaded(backend, completed, new ModelInstances(instances, leases));
            keepWarm.follow(target.modelName(), completed);
            if (knownVersion(target.modelName(), target.version()) == target) { // a reload retires once swapped in
                retireUnselected(model);
            }
            long duration = System.nanoTime() - started;
            succeeded = true;
            notifyListeners(l -> l.modelLoaded(target.modelName(), target.version(), duration, coldStart));
            LOG.info("Loaded model '{}' version {} on backend '{}' in {} ms ({} instance(s), {} bytes each on {})",
                    target.modelName(), target.version(), backend.name(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), instances.size(),
                    leases.get(0).bytes(), leases.stream().map(Lease::device).distinct().toList());
        } catch (GantryException e) {
            LOG.warn("Loading model '{}' version {} failed: {}", target.modelName(), target.version(), e.getMessage());
            release(instances, leases);
            target.failed(e);
            notifyListeners(l -> l.modelLoadFailed(target.modelName(), target.version(), e.getMessage()));
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Loading model '{}' version {} failed", target.modelName(), target.version(), e);
            release(instances, leases);
            target.failed(GantryException.internal("loading failed: " + e, e));
            notifyListeners(l -> l.modelLoadFailed(target.modelName(), target.version(), "loading failed: " + e));
        } finally {
            progress.finished(succeeded);
            target.loadEnded();
        }
    }

    /**
     * Loads one instance under a lease of its own and runs the warm-up on it; adds both to the lists as soon as
     * they exist, so that a failure releases them.
     *
     * @param measure whether to measure the native memory this load takes on the host (a first load, alone)
     */
    private void loadInstance(ModelVersion target, Backend backend, ModelConfig completed, Path directory,
            Artifact artifact, String artifactKey, long expectedBytes, boolean measure, List<Lease> leases,
            List<LoadedModel> instances, LoadProgress progress) {
        // The lease is taken before loading, so parallel loads cannot overshoot the budget together.
        progress.enter(LoadPhase.RESERVE_MEMORY);
        Lease lease = memory.reserve(new LeaseRequest(target.modelName(), target.version(),
                placement(completed, backend), expectedBytes, isPinned(completed), new VersionEviction(target,
                        v -> notifyListeners(l -> l.modelUnloaded(v.modelName(), v.version(), true)))), loadWait);
        leases.add(lease);
        boolean measured = measure && lease.device().kind() == Device.Kind.CPU;
        long nativeBefore = measured ? memory.hostBytesInUse() : -1;
        progress.enter(LoadPhase.DESERIALISE);
        LoadedModel loaded = loadOnDevice(backend, new LoadContext(completed, target.version(), directory,
                lease.device(), this), lease, artifact.bytes(), measured);
        instances.add(loaded);
        // Warm-up runs before READY, so no request can race it; its working memory counts in the measurement.
        if (!completed.warmup().isEmpty()) {
            progress.enter(LoadPhase.WARM_UP);
        }
        long warmupNanos = WarmupRunner.run(completed, directory, loaded);
        if (!completed.warmup().isEmpty()) {
            LOG.info("Warmed up model '{}' version {} with {} warm-up request(s) in {} ms", target.modelName(),
                    target.version(), completed.warmup().size(), TimeUnit.NANOSECONDS.toMillis(warmupNanos));
            notifyListeners(l -> l.modelWarmedUp(target.modelName(), target.version(), warmupNanos));
        }
        long nativeGrowth = measured && nativeBefore >= 0 ? memory.hostBytesInUse() - nativeBefore : 0;
        long footprint = Math.max(loaded.footprintBytes(), Math.max(nativeGrowth, memory.learnedFootprint(artifactKey)
                .orElse(0)));
        lease.commit(footprint > 0 ? footprint : expectedBytes, artifactKey);
    }

    /**
     * Loads with at most {@code loadsPerDevice} loads on one device at a time (alone when {@code exclusive}); a GPU
     * load also leases host memory for the artifact while it passes through, so parallel loads cannot spike host
     * RAM; an engine out of memory gets one retry after evictions.
     */
    private LoadedModel loadOnDevice(Backend backend, LoadContext context, Lease lease, long artifactBytes,
            boolean exclusive) {
        Semaphore slots = loadSlots.computeIfAbsent(lease.device(), d -> new Semaphore(loadsPerDevice));
        // A measured load runs alone on its device, so that no other load's memory is counted as its own.
        int permits = exclusive ? loadsPerDevice : 1;
        try {
            slots.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GantryException.unavailable("interrupted while waiting to load model '%s'", context.config().name());
        }
        Lease staging = null;
        try {
            if (lease.device().kind() == Device.Kind.GPU) {
                staging = memory.reserve(new LeaseRequest(context.config().name() + " (host staging)",
                        context.version(), List.of(Device.CPU), artifactBytes, false, reason -> false), loadWait);
            }
            try {
                return backend.load(context);
            } catch (GantryException e) {
                if (e.kind() != ErrorKind.INSUFFICIENT_MEMORY || !evictForRetry(lease, e)) {
                    throw e;
                }
                return backend.load(context);
            }
        } finally {
            if (staging != null) {
                staging.close();
            }
            slots.release(permits);
        }
    }

    /**
     * The devices a model may load onto, as Triton reads {@code instance_group}: KIND_CPU the host, KIND_GPU the
     * listed GPUs (or all), KIND_AUTO the GPUs when there are any and the backend can use them, else the host.
     */
    private List<Device> placement(ModelConfig config, Backend backend) {
        List<Device> gpus = memory.report().devices().stream().map(MemoryReport.DeviceMemory::device)
                .filter(d -> d.kind() == Device.Kind.GPU).toList();
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

    private static void release(List<LoadedModel> instances, List<Lease> leases) {
        for (LoadedModel instance : instances) {
            try {
                instance.close();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Closing a partly loaded model failed", e);
            }
        }
        leases.forEach(Lease::close);
    }

    /** After an engine ran out of memory: evicts other models on the device; true if any memory came free. */
    private boolean evictForRetry(Lease lease, GantryException outOfMemory) {
        if (lease == null) {
            return false;
        }
        long freed = memory.evictFor(lease.device(), Math.max(lease.bytes(), 1), lease);
        LOG.info("{} ran out of memory ({}); evicted {} bytes to retry", lease, outOfMemory.getMessage(), freed);
        return freed > 0;
    }

    private boolean isPinned(ModelConfig config) {
        return pinnedModels.contains(config.name()) || config.parameter("pinned").map(Boolean::parseBoolean).orElse(false);
    }

    @Override
    public void pin(String modelName, boolean pinned) {
        RepositoryModel model = readModel(modelName);
        if (pinned) {
            pinnedModels.add(modelName);
        } else {
            pinnedModels.remove(modelName);
        }
        boolean effective = isPinned(model.config());
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        if (versions != null) {
            for (ModelVersion version : versions.values()) {
                version.leases().forEach(lease -> lease.pin(effective));
            }
        }
    }

    /**
     * Waits for a load. Failures of explicit loads keep their kind (a corrupt artifact is the caller's 400);
     * a request that only wanted to infer gets 503, since the model cannot be served.
     *
     * @return true when the version is ready; false when it must be loaded again (memory pressure evicted it)
     */
    private boolean awaitLoad(ModelVersion target, CompletableFuture<Void> load, boolean explicit,
            long deadlineNanos) {
        long untilDeadline = deadlineNanos == ExecutionQueue.NO_DEADLINE ? Long.MAX_VALUE
                : deadlineNanos - System.nanoTime();
        try {
            load.get(Math.max(0, Math.min(loadTimeoutNanos, untilDeadline)), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (untilDeadline < loadTimeoutNanos) {
                throw new GantryException(ErrorKind.TIMEOUT, String.format("the request timed out: its timeout passed"
                        + " while model '%s' version %d was loading", target.modelName(), target.version()));
            }
            throw new GantryException(ErrorKind.TIMEOUT, String.format(
                    "model '%s' version %d is still loading after %d s", target.modelName(), target.version(),
                    TimeUnit.NANOSECONDS.toSeconds(loadTimeoutNanos)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GantryException.unavailable("interrupted while waiting for model '%s' to load", target.modelName());
        } catch (ExecutionException e) {
            // loadVersion records failures itself; a failed future only comes from a recent failure replayed.
        }
        ModelState state = target.state();
        if (state == ModelState.READY) {
            return true;
        }
        if (state == ModelState.LOADING || state == ModelState.UNLOADING || target.loadsAgain()) {
            return false; // evicted, its backend away for a moment, or loading again: the caller starts or joins a load
        }
        GantryException failure = target.lastFailure();
        int retryAfter = failure == null ? 0 : failure.retryAfterSeconds().orElse(0);
        if (failure != null && explicit) {
            throw new GantryException(failure.kind(), String.format("failed to load model '%s' version %d: %s",
                    target.modelName(), target.version(), failure.getMessage()), failure, retryAfter);
        }
        throw new GantryException(ErrorKind.UNAVAILABLE, String.format("model '%s' version %d is not available: %s",
                target.modelName(), target.version(), failure != null ? "its load failed: " + failure.getMessage()
                        : target.reason()), failure, retryAfter);
    }

    private void unloadVersion(ModelVersion version, String why) {
        try {
            ModelInstances toClose = version.beginUnload(drainTimeoutNanos);
            if (toClose != null) {
                toClose.closeModels("model '" + version.modelName() + "' version " + version.version());
                version.unloaded(why, false, !explicitControl && !loaders.isShutdown()); // requests that waited reload
                toClose.releaseLeases(); // only now: the engine has freed the memory
                notifyListeners(l -> l.modelUnloaded(version.modelName(), version.version(), false));
                LOG.info("Unloaded model '{}' version {}: {}", version.modelName(), version.version(), why);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Backend backendFor(ModelConfig config) {
        for (Backend backend : backends) {
            if (backend.serves(config)) {
                return backend;
            }
        }
        return null;
    }

    private String noBackendMessage(ModelConfig config) {
        String wanted = !config.backend().isEmpty() ? "backend '" + config.backend() + "'"
                : !config.platform().isEmpty() ? "platform '" + config.platform() + "'" : null;
        if (wanted == null) {
            return "config.pbtxt of model '" + config.name() + "' names neither a platform nor a backend";
        }
        String installed = backends.isEmpty() ? "none"
                : backends.stream().map(b -> b.name() + " " + b.platforms()).collect(Collectors.joining(", "));
        return "no backend for " + wanted + " is installed (installed backends: " + installed + ")";
    }

    private RepositoryModel readModel(String modelName) {
        RepositoryModel overridden = overrides.get(modelName);
        if (overridden != null) {
            return overridden;
        }
        RepositoryModel added = addedModels.get(modelName);
        if (added != null) {
            return added;
        }
        return repository.model(modelName).orElseThrow(() -> GantryException.notFound(
                "unknown model '%s': the repository %s has no such model", modelName, repository.location()));
    }

    private static SortedSet<Long> servedVersions(RepositoryModel model) {
        return model.config().versionPolicy().select(model.versions());
    }

    private static long chooseVersion(RepositoryModel model, String version) {
        SortedSet<Long> served = servedVersions(model);
        if (version == null) {
            if (served.isEmpty()) {
                throw noVersions(model);
            }
            return served.last();
        }
        Optional<Long> parsed = parseVersion(version);
        if (parsed.isEmpty() || !served.contains(parsed.get())) {
            throw GantryException.notFound("model '%s' has no version '%s' to serve (versions served: %s)",
                    model.name(), version, served);
        }
        return parsed.get();
    }

    private static GantryException noVersions(RepositoryModel model) {
        return GantryException.unavailable("model '%s' has no version to serve: its folder %s has versions %s and"
                + " its version policy selects none", model.name(), model.directory(), model.versions());
    }

    private static Optional<Long> parseVersion(String version) {
        if (version.isEmpty() || version.length() > 18 || !version.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(version));
    }

    private NavigableMap<Long, ModelVersion> versionsOf(String modelName) {
        return models.computeIfAbsent(modelName, n -> new ConcurrentSkipListMap<>());
    }

    private ModelVersion knownVersion(String modelName, long version) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        return versions == null ? null : versions.get(version);
    }

    private static ThreadFactory namedDaemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** What a backend is given to load one version. */
    private record LoadContext(ModelConfig config, long version, Path modelDirectory, Device device,
            ModelServer server) implements ModelLoadContext {
    }
}
