package org.gantry.memory.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures what this process uses on each GPU beyond its leases: the CUDA context, kernel images, and what the
 * caching allocator keeps once models are unloaded. {@code unleased = device in use − in use before Gantry − leased}.
 * The figure shrinks the device's budget once it exceeds the configured reserve (see {@link DeviceBudget}), so that
 * leases plus everything else Gantry holds stay within the utilisation target.
 * <p>
 * A reading is exact only while the device is quiet (no load, no unload in flight): then the leases are what the
 * engines hold. A reading taken while loads run counts their leases in full although their engines may not have
 * allocated all of it yet, so it can only come out low: it may raise the figure, never lower it. The device is read
 * with the lock released; a reading across a change to the leases is dropped.
 */
final class UnleasedMemory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UnleasedMemory.class);

    private final DeviceMemoryProbe probe;
    private final ReentrantLock lock;
    private final Runnable budgetChanged;
    /** What each measured device had in use before this manager started: other processes. */
    private final Map<DeviceBudget, Long> before = new HashMap<>();
    private final ScheduledExecutorService sampler;

    /**
     * Reads the baselines now, before any engine of this manager's runs, and samples every {@code intervalSeconds}
     * (0: only before loads and after unloads).
     *
     * @param budgetChanged called, lock held, when a reading changed a budget
     */
    UnleasedMemory(DeviceMemoryProbe probe, List<DeviceBudget> gpus, ReentrantLock lock, Runnable budgetChanged,
            int intervalSeconds) {
        this.probe = probe;
        this.lock = lock;
        this.budgetChanged = budgetChanged;
        for (DeviceBudget gpu : gpus) {
            OptionalLong used = probe.usedBytes(gpu.device);
            if (used.isPresent()) {
                before.put(gpu, used.getAsLong());
                LOG.info("{}: {} in use before Gantry; what Gantry uses beyond its leases is measured against that",
                        gpu.device, ByteSizes.format(used.getAsLong()));
            }
        }
        if (before.isEmpty()) {
            sampler = null;
            return;
        }
        sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gantry-memory-sampler");
            thread.setDaemon(true);
            return thread;
        });
        if (intervalSeconds > 0) {
            sampler.scheduleWithFixedDelay(this::sampleAll, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
        }
    }

    boolean measures(DeviceBudget budget) {
        return before.containsKey(budget);
    }

    /** Samples every measured device. */
    void sampleAll() {
        before.keySet().forEach(this::sample);
    }

    /** Samples a device soon, on the sampler's thread (after an unload: the caller goes on at once). */
    void sampleSoon(DeviceBudget budget) {
        if (sampler != null && measures(budget)) {
            try {
                sampler.execute(() -> sample(budget));
            } catch (RejectedExecutionException closed) {
                // the manager is stopping
            }
        }
    }

    /** Reads one device and updates its unleased figure. Call without the lock held. */
    void sample(DeviceBudget budget) {
        Long baseline = before.get(budget);
        if (baseline == null) {
            return;
        }
        long generation;
        long leased;
        boolean quiet;
        lock.lock();
        try {
            generation = budget.generation;
            leased = budget.usedBytes + budget.freeingBytes;
            quiet = budget.quiet();
        } finally {
            lock.unlock();
        }
        OptionalLong used = probe.usedBytes(budget.device);
        if (used.isEmpty()) {
            return;
        }
        long unleased = Math.max(0, used.getAsLong() - baseline - leased);
        lock.lock();
        try {
            if (budget.generation != generation || (!quiet && unleased <= budget.unleasedBytes)) {
                return; // stale, or a low reading taken while loads ran
            }
            long budgetBefore = budget.budgetBytes();
            budget.unleasedBytes = unleased;
            if (budget.budgetBytes() != budgetBefore) {
                LOG.debug("{}: {} in use beyond the leases; budget now {}", budget.device, ByteSizes.format(unleased),
                        ByteSizes.format(budget.budgetBytes()));
                budgetChanged.run();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }
}
