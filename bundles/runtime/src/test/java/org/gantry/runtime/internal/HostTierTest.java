package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.fp32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.HostTierable;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.model.InstanceGroup;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.test.support.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host tier with simulated GPUs: models evicted from a GPU wait in host memory and come back without a file
 * read, within the tier's budget, yielding to models the host serves, on the freest GPU or the one they left.
 */
class HostTierTest {

    /** What each model's weights take on a device, and in the host tier. */
    private static final int WEIGHTS = 400;

    /**
     * Simulated devices: each holds the bytes of the weights placed on it. A model's weights are real bytes, moved by
     * real copies between a device's buffer and a direct buffer on the host.
     */
    private static final class SimulatedGpuBackend extends TestBackend {
        final Map<Device, AtomicLong> held = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> fileLoads = new ConcurrentHashMap<>();
        final Map<String, Device> lastPlaced = new ConcurrentHashMap<>();
        final AtomicInteger restores = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();

        SimulatedGpuBackend() {
            super("simulated-gpu", "test_platform", TestBackend.HOST_AND_GPU);
        }

        @Override
        public LoadedModel load(ModelLoadContext context) {
            String name = context.config().name();
            try { // the disk path: read the artifact, then derive the weights
                Files.readAllBytes(context.versionDirectory().resolve("model.bin"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            fileLoads.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            return new SimulatedModel(name, context.device());
        }

        long held(Device device) {
            return hold(device, 0);
        }

        /** Counts {@code bytes} more (or, negative, fewer) held on the device; returns what it holds now. */
        private long hold(Device device, long bytes) {
            return held.computeIfAbsent(device, d -> new AtomicLong()).addAndGet(bytes);
        }

        /** A model whose answer is computed from its weights where they are: it cannot run while they wait on the host. */
        private final class SimulatedModel implements LoadedModel, HostTierable {
            private final String name;
            private Device device;
            private ByteBuffer weights;

            /** Its weights are derived from its name: every load of a model has the same ones. */
            SimulatedModel(String name, Device device) {
                byte[] derived = new byte[WEIGHTS];
                new Random(name.hashCode()).nextBytes(derived);
                this.name = name;
                this.device = device;
                this.weights = ByteBuffer.wrap(derived);
                hold(device, WEIGHTS);
                lastPlaced.put(name, device);
            }

            @Override
            public synchronized List<Tensor> infer(InferenceRequest request) {
                if (weights == null || weights.isDirect()) {
                    throw new IllegalStateException(name + " ran with its weights in the host tier");
                }
                float x = request.inputs().get(0).data().order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
                CRC32 checksum = new CRC32(); // every byte of the weights counts
                checksum.update(weights.duplicate().clear());
                return List.of(fp32("OUTPUT__0", new long[] { 1 }, x + checksum.getValue() / 7f));
            }

            @Override
            public long footprintBytes() {
                return WEIGHTS;
            }

            @Override
            public synchronized long offloadToHost() {
                ByteBuffer host = ByteBuffer.allocateDirect(WEIGHTS);
                host.put(weights.duplicate().clear()).flip();
                hold(device, -WEIGHTS);
                weights = host;
                device = Device.CPU;
                hold(Device.CPU, WEIGHTS);
                return WEIGHTS;
            }

            @Override
            public synchronized void restore(Device target) {
                byte[] back = new byte[WEIGHTS];
                weights.duplicate().clear().get(back);
                hold(Device.CPU, -WEIGHTS);
                weights = ByteBuffer.wrap(back);
                device = target;
                hold(target, WEIGHTS);
                lastPlaced.put(name, target);
                restores.incrementAndGet();
            }

            @Override
            public synchronized void close() {
                if (weights != null) {
                    hold(device, -WEIGHTS);
                    weights = null;
                    closed.incrementAndGet();
                }
            }
        }
    }

    @TempDir
    Path models;
    private MemoryRepository repository;
    private MemoryManagerImpl memory;
    private ModelManager manager;
    private final SimulatedGpuBackend backend = new SimulatedGpuBackend();

    @AfterEach
    void stop() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    private void start(long hostBudget, List<Long> gpus, long hostTier) {
        repository = new MemoryRepository(models);
        memory = MemoryManagerImpl.withSimulatedGpus(hostBudget, gpus, hostTier);
        manager = new ModelManager(repository, memory, TestModels.config(0));
        manager.addBackend(backend);
    }

    private void add(String name, InstanceGroup.Kind kind, Map<String, String> parameters) {
        List<InstanceGroup> groups = kind == null ? List.of() : List.of(new InstanceGroup("", 1, kind, List.of()));
        repository.add(new ModelConfig(name, "test_platform", "", 0,
                List.of(new TensorConfig("INPUT__0", DataType.FP32, List.of(-1L))),
                List.of(new TensorConfig("OUTPUT__0", DataType.FP32, List.of(-1L))), null, groups, parameters,
                List.of()), 1L);
    }

    private void addGpuModels(String... names) {
        for (String name : names) {
            add(name, null, Map.of());
        }
    }

    private int infer(String name) {
        Tensor output = manager
                .infer(name, null, InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 }, 1.5f))))
                .outputs().get(0);
        return output.data().order(ByteOrder.LITTLE_ENDIAN).getInt(0); // the float's bits
    }

    private int fileLoads(String name) {
        return backend.fileLoads.getOrDefault(name, new AtomicInteger()).get();
    }

    private MemoryReport.HostTier tier() {
        return memory.report().hostTier();
    }

    /** Where the memory manager says the model is: a device's name, {@code host tier}, or {@code disk}. */
    private String whereIs(String name) {
        for (MemoryReport.DeviceMemory device : memory.report().devices()) {
            for (MemoryReport.LeaseInfo lease : device.models()) {
                if (lease.model().equals(name)) {
                    return lease.state().equals("HOST_TIER") ? "host tier" : device.name();
                }
            }
        }
        return "disk";
    }

    @Test
    void aModelEvictedFromAGpuWaitsInTheHostTierAndComesBackBitForBitWithoutReadingItsFiles() {
        start(10_000, List.of(1_000L), 4_000);
        addGpuModels("a", "b", "c");
        int before = infer("a");
        infer("b");
        infer("c"); // the GPU holds two: a, the least recently used, leaves it
        assertEquals("host tier", whereIs("a"));
        assertEquals(WEIGHTS, tier().usedBytes());
        assertEquals(2 * WEIGHTS, backend.held(Device.gpu(0)), "a's weights left the GPU");
        assertEquals(WEIGHTS, backend.held(Device.CPU), "and wait in host memory");

        assertEquals(before, infer("a"), "the same answer, bit for bit");
        assertEquals(1, fileLoads("a"), "no second read of its files");
        assertEquals("cuda:0", whereIs("a"));
        assertEquals(1, backend.restores.get());
        MemoryReport.HostTier tier = tier();
        assertEquals(1, tier.hits());
        assertEquals(0, tier.misses());
        assertTrue(tier.hitReloadNanos() > 0);
        assertEquals("host tier", whereIs("b"), "b made room for a, and waits in turn");
    }

    @Test
    void theHostTierStaysWithinItsBudgetAndSendsItsLeastRecentlyParkedToDisk() {
        start(10_000, List.of(800L), 2 * WEIGHTS);
        String[] names = { "m0", "m1", "m2", "m3", "m4", "m5" };
        addGpuModels(names);
        for (int round = 0; round < 3; round++) {
            for (String name : names) {
                infer(name);
                MemoryReport.HostTier tier = tier();
                assertTrue(tier.usedBytes() <= tier.budgetBytes(), "the tier holds " + tier.usedBytes());
                assertTrue(backend.held(Device.CPU) <= 2 * WEIGHTS, "host memory holds " + backend.held(Device.CPU));
            }
        }
        // Six models in a cycle over a GPU of two and a tier of two: each comes back after four others, by then sent
        // on to disk. Round one loads every model from its files; the later rounds are tier misses.
        MemoryReport.HostTier tier = tier();
        assertEquals(12, tier.misses());
        assertEquals(0, tier.hits());
        assertTrue(tier.dropped() >= 12, "dropped " + tier.dropped());
        assertEquals(3, fileLoads("m0"));

        // Two models alternating with the one just evicted: that one is in the tier.
        infer("m4");
        infer("m5");
        infer("m0"); // m4 leaves the GPU
        int filesBefore = fileLoads("m4");
        infer("m4");
        assertEquals(filesBefore, fileLoads("m4"));
        assertEquals(1, tier().hits());
    }

    @Test
    void modelsServedFromTheHostPushTheHostTierOutAndNeverTheOtherWay() {
        start(1_000, List.of(400L), 1_000);
        addGpuModels("g1", "g2", "g3");
        add("cpu1", InstanceGroup.Kind.CPU, Map.of());
        add("cpu2", InstanceGroup.Kind.CPU, Map.of());
        infer("g1");
        infer("g2");
        infer("g3"); // g1 and g2 wait in the tier: 800 of the host's 1000
        assertEquals("host tier", whereIs("g1"));
        assertEquals("host tier", whereIs("g2"));

        infer("cpu1"); // needs 400 of the host: the tier's least recently parked entry goes to disk
        assertEquals("cpu", whereIs("cpu1"));
        assertEquals("disk", whereIs("g1"));
        assertEquals("host tier", whereIs("g2"));
        infer("cpu2");
        assertEquals("disk", whereIs("g2"));
        assertEquals("cpu", whereIs("cpu1"));
        assertEquals(0, tier().usedBytes());

        infer("g1"); // g3 leaves the GPU, but the host is full of its own models: g3 goes to disk, cpu1 stays
        assertEquals("disk", whereIs("g3"));
        assertEquals("cpu", whereIs("cpu1"));
        assertEquals("cpu", whereIs("cpu2"));
        assertEquals(0, memory.report().devices().get(0).models().stream()
                .filter(lease -> lease.state().equals("HOST_TIER")).count());
    }

    @Test
    void aModelThatOptsOutGoesToDiskAndPinnedModelsStayOnTheGpu() {
        start(10_000, List.of(800L), 4_000);
        add("mutating", null, Map.of("host_tier", "false"));
        add("pinned", null, Map.of("pinned", "true"));
        addGpuModels("other", "another");
        infer("pinned");
        infer("mutating");
        infer("other"); // mutating, not pinned, leaves the GPU: to disk
        assertEquals("disk", whereIs("mutating"));
        assertEquals("cuda:0", whereIs("pinned"));
        infer("mutating");
        assertEquals(2, fileLoads("mutating"));
        assertEquals(0, tier().misses(), "a model that may not wait in the tier is no tier miss");
        infer("another"); // other goes to the tier, pinned stays
        assertEquals("host tier", whereIs("other"));
        assertEquals("cuda:0", whereIs("pinned"));
    }

    @Test
    void withSeveralGpusAModelComesBackToTheFreestGpuWhereItFitsElseToTheOneItLeft() {
        start(10_000, List.of(800L, 800L), 4_000);
        addGpuModels("a", "b", "c", "d", "e");
        for (String name : List.of("a", "b", "c", "d")) {
            infer(name); // a and c on cuda:0, b and d on cuda:1: both full
        }
        assertEquals(Device.gpu(0), backend.lastPlaced.get("a"));
        assertEquals(Device.gpu(0), backend.lastPlaced.get("c"));
        infer("e"); // no GPU has room: cuda:0 (first) evicts its least recently used, a
        assertEquals("host tier", whereIs("a"));

        infer("a"); // no GPU has room: back to the one it left, whose least recently used (c) makes way
        assertEquals(Device.gpu(0), backend.lastPlaced.get("a"));
        assertEquals("host tier", whereIs("c"));

        manager.unload("b");
        manager.unload("d"); // cuda:1 is now the freest
        infer("c");
        assertEquals(Device.gpu(1), backend.lastPlaced.get("c"), "the freest GPU where it fits");
        assertEquals(1, fileLoads("c"));
        assertEquals(2, tier().hits());
    }

    /** One GPU with room for one model: a, evicted by b, waits in the host tier. */
    private void parkA() {
        start(10_000, List.of(400L), 4_000);
        addGpuModels("a", "b");
        infer("a");
        infer("b");
        assertEquals("host tier", whereIs("a"));
    }

    @Test
    void anUnloadOnRequestAlsoFreesWhatTheModelHoldsInTheHostTier() {
        parkA();
        manager.unload("a");
        assertEquals("disk", whereIs("a"));
        assertEquals(0, tier().usedBytes());
        assertEquals(0, backend.held(Device.CPU));
        infer("a");
        assertEquals(2, fileLoads("a"), "loaded from its files again");
    }

    @Test
    void stoppingTheServerClosesWhatWaitsInTheHostTier() {
        parkA();
        manager.deactivate();
        manager = null;
        assertEquals(0, backend.held(Device.CPU));
        assertEquals(0, backend.held(Device.gpu(0)));
        assertFalse(memory.report().devices().get(0).models().stream().anyMatch(lease -> lease.model().equals("a")));
    }
}
