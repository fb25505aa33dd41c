package org.gantry.runtime.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.tensor.Tensor;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.test.support.TestTensors;
import org.gantry.test.support.TestBackend;
import org.gantry.test.support.LoadedModels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What memory management costs. {@code residentRequest}: a whole request through the runtime to a resident
 * model whose backend does nothing (name and version resolution, validation, admission, the lease's touch,
 * release), against {@code backendOnly}, the same backend called directly. {@code evictionDecision}: one
 * reservation that must evict, with 1,000 resident models, of which the least recently used half may be busy.
 *
 * <p>Run: {@code mvn -q -pl bundles/runtime -am install -DskipTests && mvn -q -pl bundles/runtime exec:exec@benchmark}
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MemoryBenchmark {

    /** A backend that answers with its input: what remains is the server's own cost. */
    static Backend echoBackend() {
        return TestBackend.of("echo", "test_platform", context -> LoadedModels.echo());
    }

    @State(Scope.Benchmark)
    public static class ResidentModel {
        ModelManager manager;
        LoadedModel direct;
        InferenceRequest request;
        Path root;

        @Setup
        public void setUp() throws IOException {
            root = Files.createTempDirectory("gantry-benchmark");
            TestModels.MemoryRepository repository = new TestModels.MemoryRepository(root);
            repository.add(TestModels.scaleConfig("resident", 8, null), 1L);
            manager = new ModelManager(repository, MemoryManagerImpl.forHost(1L << 30, null), TestModels.config(0));
            manager.addBackend(echoBackend());
            request = InferenceRequest.of(List.of(TestTensors.fp32("INPUT__0", new long[] { 1, 4 }, 1, 2, 3, 4)));
            manager.infer("resident", null, request); // load it
            direct = echoBackend().load(null);
        }

        @TearDown
        public void tearDown() {
            manager.deactivate();
        }
    }

    @Benchmark
    public InferenceResponse residentRequest(ResidentModel state) {
        return state.manager.infer("resident", null, state.request);
    }

    @Benchmark
    public List<Tensor> backendOnly(ResidentModel state) {
        return state.direct.infer(state.request);
    }

    @State(Scope.Thread)
    public static class ThousandResident {
        @Param({ "0", "500" })
        int busyLeastRecentlyUsed;

        MemoryManagerImpl memory;
        long counter;

        @Setup(Level.Trial)
        public void fill() {
            memory = MemoryManagerImpl.forHost(1000 * 1000L, null);
            for (int i = 0; i < 1000; i++) {
                admit(i < busyLeastRecentlyUsed);
            }
        }

        /** A resident model of 1000 bytes; busy ones refuse eviction. */
        Lease admit(boolean busy) {
            Lease[] self = new Lease[1];
            self[0] = memory.reserve(new LeaseRequest("m" + counter, counter++, List.of(Device.CPU), 1000, false,
                    reason -> {
                        if (busy) {
                            return false;
                        }
                        self[0].close();
                        return true;
                    }));
            self[0].commit(1000, null);
            return self[0];
        }
    }

    /** The budget is full: each reservation evicts the least recently used idle model, then becomes resident. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Lease evictionDecision(ThousandResident state) {
        return state.admit(false);
    }
}
