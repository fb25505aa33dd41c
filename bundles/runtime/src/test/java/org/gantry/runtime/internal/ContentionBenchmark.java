package org.gantry.runtime.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.tensor.Tensor;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.test.support.TestTensors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.gantry.test.support.TestBackend;

/**
 * What memory contention costs, through the runtime and the real memory manager, with a backend whose load,
 * execution and teardown take the time an engine's would (parked, so that two cores can run eight clients).
 * <ul>
 * <li>{@code randomModel}: the traffic, 8 clients each picking one of 12 models at random, with a budget for
 * 6 ({@code budget=contended}) against the same traffic with all 12 resident ({@code budget=resident}): throughput and
 * latency percentiles, every answer checked (a failed or wrong request ends the run with an error).</li>
 * <li>{@code churn}: one model stays resident (pinned) and 2 clients call it ({@code hot}); 5 other clients cycle
 * through 12 more models and 1 reads the memory report ({@code report}, as /v2/memory and /metrics do), with room for
 * 5 of the 12 ({@code churn=on}: every cycle evicts, each teardown taking 2 ms) or for all ({@code churn=off}).
 * Compare {@code churn:hot} and {@code churn:report} p0.99 between on and off.</li>
 * </ul>
 *
 * <p>Run: {@code mvn -q -B install -DskipTests && mvn -q -pl bundles/runtime exec:exec@benchmark
 * -Dbenchmark.args=ContentionBenchmark}
 */
@BenchmarkMode({ Mode.Throughput, Mode.SampleTime })
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
public class ContentionBenchmark {

    private static final int MODELS = 12;
    private static final long FOOTPRINT = 1000;

    /** Loads, runs and tears down in the time an engine takes (here: 2 ms, 0.5 ms, 2 ms); scales its input. */
    static final class CostlyBackend extends TestBackend {
        static final long LOAD_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
        static final long EXECUTION_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
        static final long TEARDOWN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

        CostlyBackend() {
            super("costly", "test_platform");
        }

        @Override
        public LoadedModel load(ModelLoadContext context) {
            LockSupport.parkNanos(LOAD_NANOS);
            float factor = Float.parseFloat(context.config().parameter("factor").orElse("1"));
            return new LoadedModel() {
                @Override
                public List<Tensor> infer(InferenceRequest request) {
                    LockSupport.parkNanos(EXECUTION_NANOS);
                    float value = request.inputs().get(0).data().getFloat(0) * factor;
                    return List.of(TestTensors.fp32("OUTPUT__0", new long[] { 1 }, value));
                }

                @Override
                public long footprintBytes() {
                    return FOOTPRINT;
                }

                @Override
                public void close() {
                    LockSupport.parkNanos(TEARDOWN_NANOS);
                }
            };
        }
    }

    /** A runtime over {@code names}, each model scaling by its number + 1, with room for {@code room} of them. */
    static ModelManager runtime(Path root, MemoryManagerImpl memory, List<String> names) {
        TestModels.MemoryRepository repository = new TestModels.MemoryRepository(root);
        for (int i = 0; i < names.size(); i++) {
            repository.add(TestModels.scaleConfig(names.get(i), 0, null, Map.of("factor", Integer.toString(i + 1))),
                    1L);
        }
        ModelManager manager = new ModelManager(repository, memory, TestModels.config(0));
        manager.addBackend(new CostlyBackend());
        return manager;
    }

    /** Calls a model and checks the answer: a failed or wrong request ends the benchmark. */
    static void call(ModelManager manager, String model, float factor) {
        float value = ThreadLocalRandom.current().nextInt(1000);
        Tensor output = manager.infer(model, null,
                InferenceRequest.of(List.of(TestTensors.fp32("INPUT__0", new long[] { 1 }, value)))).outputs().get(0);
        if (output.data().getFloat(0) != value * factor) {
            throw new IllegalStateException(model + " answered " + output.data().getFloat(0) + " for " + value);
        }
    }

    @State(Scope.Benchmark)
    public static class RandomTraffic {
        @Param({ "contended", "resident" })
        String budget;

        ModelManager manager;
        MemoryManagerImpl memory;
        List<String> names;
        long evictionsBefore;

        @Setup(Level.Trial)
        public void start() throws IOException {
            names = java.util.stream.IntStream.range(0, MODELS).mapToObj(i -> "m" + i).toList();
            int room = budget.equals("contended") ? MODELS / 2 : MODELS;
            memory = MemoryManagerImpl.forHost(room * FOOTPRINT, null);
            manager = runtime(Files.createTempDirectory("gantry-contention"), memory, names);
            evictionsBefore = memory.report().evictions();
        }

        @TearDown(Level.Trial)
        public void stop() {
            System.out.printf("%n%s: %d evictions%n", budget, memory.report().evictions() - evictionsBefore);
            manager.deactivate();
        }
    }

    @Benchmark
    @Threads(8)
    public void randomModel(RandomTraffic traffic) {
        int model = ThreadLocalRandom.current().nextInt(MODELS);
        call(traffic.manager, traffic.names.get(model), model + 1);
    }

    @State(Scope.Group)
    public static class Churn {
        @Param({ "on", "off" })
        String churn;

        ModelManager manager;
        MemoryManagerImpl memory;
        final AtomicInteger next = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() throws IOException {
            List<String> names = java.util.stream.IntStream.rangeClosed(0, MODELS).mapToObj(i -> "m" + i).toList();
            int room = churn.equals("on") ? 1 + 5 : 1 + MODELS; // the hot model m0, and 5 of the 12 others or all
            memory = MemoryManagerImpl.forHost(room * FOOTPRINT, null);
            manager = runtime(Files.createTempDirectory("gantry-churn"), memory, names);
            manager.pin("m0", true);
            call(manager, "m0", 1);
        }

        @TearDown(Level.Trial)
        public void stop() {
            System.out.printf("%nchurn %s: %d evictions%n", churn, memory.report().evictions());
            manager.deactivate();
        }
    }

    @Benchmark
    @Group("churn")
    @GroupThreads(2)
    public void hot(Churn state) {
        call(state.manager, "m0", 1);
    }

    @Benchmark
    @Group("churn")
    @GroupThreads(5)
    public void cold(Churn state) {
        int model = 1 + Math.floorMod(state.next.getAndIncrement(), MODELS);
        call(state.manager, "m" + model, model + 1);
    }

    @Benchmark
    @Group("churn")
    @GroupThreads(1)
    public MemoryReport report(Churn state) {
        return state.memory.report();
    }
}
