package org.gantry.runtime.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

import org.gantry.api.memory.Lease;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelStatistics.Duration;

/** Counters of one model version, updated without locks by concurrent requests. */
final class VersionStatistics {

    /** A count and a total duration. */
    static final class Timer {
        private final LongAdder count = new LongAdder();
        private final LongAdder nanos = new LongAdder();

        void add(long durationNanos) {
            count.increment();
            nanos.add(durationNanos);
        }

        Duration snapshot() {
            return new Duration(count.sum(), nanos.sum());
        }
    }

    final Timer success = new Timer();
    final Timer fail = new Timer();
    final Timer queue = new Timer();
    final Timer computeInput = new Timer();
    final Timer computeInfer = new Timer();
    final Timer computeOutput = new Timer();
    /** Executions by batch size: compute input, infer and output timers. */
    private final ConcurrentMap<Long, Timer[]> batches = new ConcurrentHashMap<>();
    final LongAdder inferences = new LongAdder();
    final LongAdder executions = new LongAdder();
    volatile long lastInferenceMillis;

    /** Records one execution of the model on {@code batchSize} rows (one or several requests stacked). */
    void execution(long batchSize, long inputNanos, long inferNanos, long outputNanos) {
        Timer[] timers = batches.computeIfAbsent(batchSize, b -> new Timer[] { new Timer(), new Timer(), new Timer() });
        timers[0].add(inputNanos);
        timers[1].add(inferNanos);
        timers[2].add(outputNanos);
        executions.increment();
    }

    /** @param leases the leases of the version's instances, one memory_usage entry each */
    ModelStatistics snapshot(String model, long version, List<Lease> leases) {
        List<ModelStatistics.MemoryUsage> memory = leases.stream().map(lease -> new ModelStatistics.MemoryUsage(
                lease.device().kind().name(), lease.device().index(), lease.bytes())).toList();
        return new ModelStatistics(model, Long.toString(version), lastInferenceMillis, inferences.sum(),
                executions.sum(), success.snapshot(), fail.snapshot(), queue.snapshot(), computeInput.snapshot(),
                computeInfer.snapshot(), computeOutput.snapshot(), memory, batchSnapshot());
    }

    private List<ModelStatistics.BatchStatistics> batchSnapshot() {
        List<ModelStatistics.BatchStatistics> result = new ArrayList<>();
        new TreeMap<>(batches).forEach((size, timers) -> result.add(new ModelStatistics.BatchStatistics(size,
                timers[0].snapshot(), timers[1].snapshot(), timers[2].snapshot())));
        return result;
    }
}
