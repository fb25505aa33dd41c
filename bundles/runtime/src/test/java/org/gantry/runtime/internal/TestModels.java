package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.model.VersionPolicy;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.repository.internal.LocalModelRepository;
import org.gantry.test.support.TestBackend;
import org.gantry.test.support.TestLoadContext;

/** A repository held in memory and a backend whose model multiplies FP32 input by its version. */
final class TestModels {

    private TestModels() {
    }

    static ModelConfig scaleConfig(String name, int maxBatchSize, VersionPolicy policy) {
        return scaleConfig(name, maxBatchSize, policy, Map.of());
    }

    /** Parameters: {@code factor} (default: the version), {@code footprint} bytes, {@code pinned}. */
    static ModelConfig scaleConfig(String name, int maxBatchSize, VersionPolicy policy,
            Map<String, String> parameters) {
        return ModelConfig.builder(name).platform("test_platform").maxBatchSize(maxBatchSize)
                .inputs(List.of(new TensorConfig("INPUT__0", DataType.FP32, List.of(-1L))))
                .outputs(List.of(new TensorConfig("OUTPUT__0", DataType.FP32, List.of(-1L)))).versionPolicy(policy)
                .parameters(parameters).build();
    }

    /** Models in memory, with real version folders (holding one small file each) under a temporary root. */
    static final class MemoryRepository implements ModelRepository {
        final Map<String, RepositoryModel> models = new HashMap<>();
        private final Path root;
        /** The real repository on the same root, for what a model folder and a JSON configuration mean. */
        private final LocalModelRepository files;

        MemoryRepository(Path root) {
            this.root = root;
            this.files = new LocalModelRepository(root);
        }

        void add(ModelConfig config, Long... versions) {
            Path directory = root.resolve(config.name());
            try {
                for (long version : versions) {
                    Files.write(Files.createDirectories(directory.resolve(Long.toString(version))).resolve("model.bin"),
                            new byte[100]);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            models.put(config.name(), new RepositoryModel(config.name(), directory, config,
                    new TreeSet<>(List.of(versions))));
        }

        @Override
        public String location() {
            return root.toString();
        }

        @Override
        public SortedSet<String> modelNames() {
            return new TreeSet<>(models.keySet());
        }

        @Override
        public Optional<RepositoryModel> model(String name) {
            return Optional.ofNullable(models.get(name));
        }

        @Override
        public RepositoryModel modelAt(String name, Path directory) {
            return files.modelAt(name, directory);
        }

        @Override
        public ModelConfig parseConfigJson(String modelName, String json) {
            return files.parseConfigJson(modelName, json);
        }

        @Override
        public String configJson(ModelConfig config) {
            return files.configJson(config);
        }
    }

    /** Parameters: {@code factor}, {@code concurrency}, {@code work_micros}, {@code responses}, {@code knows_end}. */
    static final class ScalingBackend extends TestBackend {
        final AtomicInteger loads = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final List<Long> loadedVersions = new ArrayList<>();
        volatile CountDownLatch loadGate = new CountDownLatch(0);
        volatile String failWith;
        /** Engine out-of-memory failures still to inject, on load and on inference. */
        final AtomicInteger loadOutOfMemory = new AtomicInteger();
        final AtomicInteger inferOutOfMemory = new AtomicInteger();
        /** Models loaded and not yet closed. */
        final AtomicInteger open = new AtomicInteger();
        /** Models closed while a request was running on them: must stay 0. */
        final AtomicInteger closedUnderARequest = new AtomicInteger();
        /** Held closed, makes every inference wait: a busy model. */
        volatile CountDownLatch inferGate = new CountDownLatch(0);
        /** Gates per first input value: an execution starting with that value waits for its gate. */
        final Map<Float, CountDownLatch> gatesByFirstValue = new java.util.concurrent.ConcurrentHashMap<>();
        /** Executions finished. */
        final AtomicInteger finishedExecutions = new AtomicInteger();
        /** The first input value of each execution, in the order executions started. */
        final List<Float> executionOrder = java.util.Collections.synchronizedList(new ArrayList<>());
        /** The model folder of the last load, as the backend was given it. */
        volatile java.nio.file.Path lastModelDirectory;

        ScalingBackend() {
            super("test", "test_platform");
        }

        @Override
        public LoadedModel load(ModelLoadContext context) {
            loads.incrementAndGet();
            lastModelDirectory = context.modelDirectory();
            try {
                loadGate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failWith != null) {
                throw GantryException.invalidArgument("%s", failWith);
            }
            if (loadOutOfMemory.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new GantryException(ErrorKind.INSUFFICIENT_MEMORY, "injected: the engine ran out of memory");
            }
            open.incrementAndGet();
            long footprint = Long.parseLong(context.config().parameter("footprint").orElse("-1"));
            // Native memory the "engine" takes beyond its reported footprint, held while the model lives.
            int overhead = Integer.parseInt(context.config().parameter("native_overhead").orElse("0"));
            java.nio.ByteBuffer nativeMemory = java.nio.ByteBuffer.allocateDirect(overhead);
            for (int i = 0; i < overhead; i += 4096) {
                nativeMemory.put(i, (byte) 1);
            }
            synchronized (loadedVersions) {
                loadedVersions.add(context.version());
            }
            float factor = Float
                    .parseFloat(context.config().parameter("factor").orElse(Long.toString(context.version())));
            AtomicInteger inFlight = new AtomicInteger();
            int concurrency = Integer.parseInt(context.config().parameter("concurrency").orElse("1"));
            // Parameter work_micros: how long an execution keeps the model busy, as an engine's computation would.
            long workNanos = 1000L * Integer.parseInt(context.config().parameter("work_micros").orElse("0"));
            return new LoadedModel() {
                /** Held for as long as the model lives, as an engine holds its memory. */
                private final java.nio.ByteBuffer engineMemory = nativeMemory;

                @Override
                public List<Tensor> infer(InferenceRequest request) {
                    if (inferOutOfMemory.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new GantryException(ErrorKind.INSUFFICIENT_MEMORY,
                                "injected: out of memory while running");
                    }
                    inFlight.incrementAndGet();
                    try {
                        Tensor input = request.inputs().get(0);
                        float[] values = floats(input);
                        float first = values.length > 0 ? values[0] : Float.NaN;
                        executionOrder.add(first);
                        inferGate.await();
                        if (workNanos > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(workNanos);
                        }
                        CountDownLatch own = gatesByFirstValue.get(first);
                        if (own != null) {
                            own.await();
                        }
                        for (int i = 0; i < values.length; i++) {
                            values[i] *= factor;
                        }
                        finishedExecutions.incrementAndGet();
                        return List.of(fp32("OUTPUT__0", input.shape(), values));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw GantryException.unavailable("interrupted");
                    } finally {
                        inFlight.decrementAndGet();
                    }
                }

                /**
                 * Parameter {@code responses}: that many responses, the k-th scaled by k as well; the last is marked
                 * as such only with parameter {@code knows_end}.
                 */
                @Override
                public void inferStream(InferenceRequest request, org.gantry.api.backend.ResponseSink sink) {
                    int count = Integer.parseInt(context.config().parameter("responses").orElse("1"));
                    boolean knowsEnd = Boolean.parseBoolean(context.config().parameter("knows_end").orElse("false"));
                    List<Tensor> first = infer(request);
                    float[] values = floats(first.get(0));
                    for (int k = 1; k <= count; k++) {
                        float[] scaled = values.clone();
                        for (int i = 0; i < scaled.length; i++) {
                            scaled[i] *= k;
                        }
                        sink.send(List.of(fp32("OUTPUT__0", first.get(0).shape(), scaled)), knowsEnd && k == count);
                    }
                }

                @Override
                public long footprintBytes() {
                    return footprint;
                }

                /** Parameter {@code concurrency}: requests the model takes at once (default 1). */
                @Override
                public int concurrency() {
                    return concurrency;
                }

                @Override
                public void close() {
                    if (inFlight.get() > 0) {
                        closedUnderARequest.incrementAndGet();
                    }
                    closes.incrementAndGet();
                    open.decrementAndGet();
                    engineMemory.clear();
                }
            };
        }
    }

    /**
     * A version as a load leaves it: one instance of {@code backend}'s model under a real lease of 1,000 bytes,
     * ready.
     */
    static ModelVersion loadedVersion(ModelConfig config, long version, Backend backend,
            org.gantry.api.memory.MemoryManager memory) {
        ModelVersion loaded = new ModelVersion(config.name(), version);
        loaded.startLoad(v -> new java.util.concurrent.CompletableFuture<>(), 0);
        org.gantry.api.memory.Lease lease = memory.reserve(new org.gantry.api.memory.LeaseRequest(config.name(),
                version, List.of(org.gantry.api.backend.Device.CPU), 1000, false, reason -> false),
                java.time.Duration.ZERO);
        LoadedModel model = backend.load(TestLoadContext.onHost(config, version, Path.of("unused")));
        loaded.loaded(backend, config, new ModelInstances(List.of(model), List.of(lease)));
        loaded.loadEnded();
        return loaded;
    }

    /** Requests waiting for an execution slot of a model version; 0 before any request reached it. */
    static int queued(VersionRegistry versions, String model, long version) {
        ModelVersion known = versions.get(model, version);
        return known == null ? 0 : known.queue().waiting();
    }

    /** The same configuration, with loads waiting for memory {@code seconds} at most. */
    static RuntimeConfig withLoadWait(RuntimeConfig config, int seconds) {
        return (RuntimeConfig) java.lang.reflect.Proxy.newProxyInstance(RuntimeConfig.class.getClassLoader(),
                new Class<?>[] { RuntimeConfig.class }, (proxy, method, arguments) -> method.getName()
                        .equals("loadWaitSeconds") ? Integer.valueOf(seconds) : method.invoke(config, arguments));
    }

    /** The runtime's configuration with test-friendly values; no load measurement (tiny budgets, many threads). */
    static RuntimeConfig config(int retrySeconds) {
        return config(retrySeconds, false);
    }

    static RuntimeConfig config(int retrySeconds, boolean measureLoadOverhead) {
        return config(retrySeconds, measureLoadOverhead, 1024);
    }

    static RuntimeConfig config(int retrySeconds, boolean measureLoadOverhead, int maxQueueSize) {
        return config(retrySeconds, measureLoadOverhead, maxQueueSize, 0);
    }

    /** @param backendWaitSeconds how long requests wait for a departed backend (0: fail at once) */
    static RuntimeConfig config(int retrySeconds, boolean measureLoadOverhead, int maxQueueSize,
            int backendWaitSeconds) {
        return config(retrySeconds, measureLoadOverhead, maxQueueSize, backendWaitSeconds, "on-demand");
    }

    /** @param mode the model control mode; in poll mode the test polls by hand (no timer) */
    static RuntimeConfig config(int retrySeconds, boolean measureLoadOverhead, int maxQueueSize,
            int backendWaitSeconds, String mode) {
        return new RuntimeConfig() {
            @Override
            public String modelControlMode() {
                return mode;
            }

            @Override
            public int pollIntervalSeconds() {
                return 0;
            }

            @Override
            public String startup_target() {
                return "(osgi.condition.id=true)";
            }

            @Override
            public int maxQueueSize() {
                return maxQueueSize;
            }

            @Override
            public int backendWaitSeconds() {
                return backendWaitSeconds;
            }

            @Override
            public int backendInstallWaitSeconds() {
                return 1;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return RuntimeConfig.class;
            }

            @Override
            public int loadThreads() {
                return 2;
            }

            @Override
            public int loadsPerDevice() {
                return 2;
            }

            @Override
            public boolean measureLoadOverhead() {
                return measureLoadOverhead;
            }

            @Override
            public int loadTimeoutSeconds() {
                return 30;
            }

            @Override
            public int failedLoadRetrySeconds() {
                return retrySeconds;
            }

            @Override
            public int loadWaitSeconds() {
                return 10; // below the load timeout, so that a wait that runs out says what it waited for
            }

            @Override
            public int drainTimeoutSeconds() {
                return 5;
            }
        };
    }
}
