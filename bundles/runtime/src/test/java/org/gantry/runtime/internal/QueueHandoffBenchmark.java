package org.gantry.runtime.internal;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.Tensor;
import org.gantry.test.support.TestTensors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What handing a model's execution slot from one request to the next costs, alone: 16 callers submit to one version
 * with one slot, as the request-path benchmark's 16 clients do with {@code simple_linear} (issue 24: on the GPU
 * machine its forward took 21 µs of the 370 µs a request spent in the server). {@code handoff}: a runner that returns
 * at once; {@code forward}: one that computes for 20 µs, as that forward does. Compare throughput before and after a
 * change to {@link ExecutionQueue}, on one machine.
 *
 * <p>Run: {@code mvn -q -B install -DskipTests && mvn -q -pl bundles/runtime exec:exec@benchmark
 * -Dbenchmark.args=QueueHandoffBenchmark}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
@State(Scope.Benchmark)
public class QueueHandoffBenchmark {

    private static final InferenceRequest REQUEST = InferenceRequest.of(
            List.of(TestTensors.fp32("INPUT__0", new long[] { 1 }, 1f)));
    private static final List<List<Tensor>> ANSWER = List.of(List.of());
    private static final ExecutionQueue.Ticket TICKET = new ExecutionQueue.Ticket(1, ExecutionQueue.NO_DEADLINE,
            false, Integer.MAX_VALUE, 0);

    private static final long FORWARD_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

    private final ExecutionQueue queue = new ExecutionQueue("model 'm' version 1");

    @Benchmark
    @Threads(16)
    public ExecutionQueue.Outcome handoff() {
        return queue.submit(REQUEST, 1, false, TICKET, (batch, instance) -> ANSWER);
    }

    @Benchmark
    @Threads(16)
    public ExecutionQueue.Outcome forward() {
        return queue.submit(REQUEST, 1, false, TICKET, (batch, instance) -> compute(FORWARD_NANOS));
    }

    /** Keeps a core busy for the time given, as a forward on the CPU does (parking would give the core away). */
    private static List<List<Tensor>> compute(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        return ANSWER;
    }
}
