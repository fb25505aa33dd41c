package org.gantry.memory.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.gantry.api.backend.Device;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budgets per device and the leases held against them. Reservations, commits and releases take one lock;
 * a request's {@link Lease#touch()} takes none. Eviction happens inside a reservation, on the loader's
 * thread, never on a request's: it asks the least recently used resident, unpinned model to unload itself,
 * and goes on to the next one if that model is busy.
 */
@Component(service = MemoryManager.class, configurationPid = MemoryManagerImpl.PID)
@Designate(ocd = MemoryConfig.class)
public final class MemoryManagerImpl implements MemoryManager {

    static final String PID = "org.gantry.memory";
    static final String HOST_BUDGET_ENV = "GANTRY_MEMORY_HOST_BUDGET";
    static final String GPU_UTILIZATION_ENV = "GANTRY_MEMORY_GPU_UTILIZATION";
    private static final Logger LOG = LoggerFactory.getLogger(MemoryManagerImpl.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Device, DeviceBudget> devices = new LinkedHashMap<>();
    private final FootprintStore footprints;
    private long evictions;
    /** Sees every eviction decision; for tests that check the choice was the least recently used. */
    private volatile Consumer<EvictionDecision> evictionObserver = decision -> { };

    /** A model considered for eviction, with its last use at decision time. */
    public record Candidate(String model, long version, long lastUsedNanos) {
        static Candidate of(LeaseImpl lease, long lastUsedNanos) {
            return new Candidate(lease.model, lease.version, lastUsedNanos);
        }
    }

    /**
     * One eviction: the candidates (resident, unpinned) least recently used first, those tried first but busy,
     * and the victim.
     */
    public record EvictionDecision(Candidate victim, List<Candidate> busySkipped, List<Candidate> candidates) {
    }

    @Activate
    public MemoryManagerImpl(MemoryConfig config) {
        this(hostBudget(config), config.gpuDiscovery() ? CudaDevices.discover() : List.of(),
                gpuUtilization(config), ByteSizes.parse(config.gpuReserve()), footprintFile(config.footprintFile()));
    }

    MemoryManagerImpl(DeviceBudget host, List<CudaDevices.Gpu> gpus, double gpuUtilization, long gpuReserve,
            Path footprintFile) {
        devices.put(Device.CPU, host);
        for (CudaDevices.Gpu gpu : gpus) {
            long budget = (long) (gpu.totalBytes() * gpuUtilization) - gpuReserve;
            DeviceBudget budgetOfGpu = new DeviceBudget(Device.gpu(gpu.index()), gpu.totalBytes(), budget);
            devices.put(budgetOfGpu.device, budgetOfGpu);
            LOG.info("GPU {} ({}): {} total, {} free, budget {}", gpu.index(), gpu.name(),
                    ByteSizes.format(gpu.totalBytes()), ByteSizes.format(gpu.freeBytes()), ByteSizes.format(budget));
        }
        this.footprints = new FootprintStore(footprintFile);
        LOG.info("Host memory: {} physical, budget {}", ByteSizes.format(host.capacityBytes),
                ByteSizes.format(host.budgetBytes));
    }

    /**
     * A manager of host memory only, with a fixed budget: for tests and tools running the runtime outside
     * OSGi. {@code footprintFile} may be null (nothing remembered).
     */
    public static MemoryManagerImpl forHost(long budgetBytes, Path footprintFile) {
        return new MemoryManagerImpl(new DeviceBudget(Device.CPU, physicalMemory(), budgetBytes), List.of(), 0, 0,
                footprintFile);
    }

    /**
     * A manager with a fixed host budget and simulated GPUs of the given budgets (capacity = budget): for tests
     * of placement without a GPU.
     */
    public static MemoryManagerImpl withSimulatedGpus(long hostBudget, List<Long> gpuBudgets) {
        List<CudaDevices.Gpu> gpus = new ArrayList<>();
        for (int i = 0; i < gpuBudgets.size(); i++) {
            gpus.add(new CudaDevices.Gpu(i, "simulated", gpuBudgets.get(i), gpuBudgets.get(i)));
        }
        return new MemoryManagerImpl(new DeviceBudget(Device.CPU, physicalMemory(), hostBudget), gpus, 1.0, 0, null);
    }

    private static DeviceBudget hostBudget(MemoryConfig config) {
        long physical = physicalMemory();
        return new DeviceBudget(Device.CPU, physical, hostBudgetBytes(System.getenv(HOST_BUDGET_ENV), config.hostBudget(),
                config.hostUtilization(), physical, Runtime.getRuntime().maxMemory()));
    }

    /** The environment wins over configuration; with neither, a share of what the JVM heap leaves of memory. */
    static long hostBudgetBytes(String fromEnvironment, String configured, double utilization, long physical,
            long heap) {
        String chosen = fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment : configured;
        return chosen == null || chosen.isBlank() ? (long) ((physical - heap) * utilization) : ByteSizes.parse(chosen);
    }

    private static double gpuUtilization(MemoryConfig config) {
        return gpuUtilization(System.getenv(GPU_UTILIZATION_ENV), config.gpuUtilization());
    }

    static double gpuUtilization(String fromEnvironment, double configured) {
        double utilization = fromEnvironment == null || fromEnvironment.isBlank() ? configured
                : Double.parseDouble(fromEnvironment.trim());
        if (utilization < 0 || utilization > 1) {
            throw new IllegalArgumentException("GPU utilisation must lie in 0..1, not " + utilization);
        }
        return utilization;
    }

    private static Path footprintFile(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String data = System.getProperty("karaf.data");
        return data == null ? null : Path.of(data, "gantry", "footprints.properties");
    }

    /** Physical memory from /proc/meminfo (Linux); the JVM's own limit elsewhere. */
    static long physicalMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("No /proc/meminfo: {}", e.toString());
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** Registers the one observer of eviction decisions (for tests). */
    public void observeEvictions(Consumer<EvictionDecision> observer) {
        evictionObserver = observer;
    }

    @Override
    public Lease reserve(LeaseRequest request) {
        lock.lock();
        try {
            DeviceBudget target = choose(request);
            String who = "model '" + request.model() + "' version " + request.version();
            if (request.bytes() > target.budgetBytes) {
                throw insufficient("%s needs %s but the budget of %s is %s", who, ByteSizes.format(request.bytes()),
                        target.device, ByteSizes.format(target.budgetBytes));
            }
            makeRoom(target, request.bytes(), null, who);
            LeaseImpl lease = new LeaseImpl(this, request.model(), request.version(), target, request.bytes(),
                    request.pinned(), request.evictable());
            target.leases.add(lease);
            target.usedBytes += lease.bytes;
            return lease;
        } finally {
            lock.unlock();
        }
    }

    /** The candidate where the request fits with the most budget left, else the first one (it will evict). */
    private DeviceBudget choose(LeaseRequest request) {
        DeviceBudget best = null;
        for (Device candidate : request.candidates()) {
            DeviceBudget budget = devices.get(candidate);
            if (budget != null && budget.freeBytes() >= request.bytes()
                    && (best == null || budget.freeBytes() > best.freeBytes())) {
                best = budget;
            }
        }
        if (best != null) {
            return best;
        }
        for (Device candidate : request.candidates()) {
            if (devices.containsKey(candidate)) {
                return devices.get(candidate);
            }
        }
        throw insufficient("model '%s' asks for %s, which this server does not have (devices: %s)", request.model(),
                request.candidates(), devices.keySet());
    }

    /** Evicts least recently used idle, unpinned resident leases until {@code needed} bytes are free. */
    private void makeRoom(DeviceBudget budget, long needed, LeaseImpl requester, String who) {
        long reclaimable = budget.leases.stream().filter(l -> l.resident && !l.pinned() && l != requester)
                .mapToLong(l -> l.bytes).sum();
        if (budget.freeBytes() + reclaimable < needed) {
            // Evicting everything that may go would still not do: fail without disturbing anyone.
            throw noRoom(budget, needed, who);
        }
        while (budget.freeBytes() < needed) {
            if (!evictOne(budget, requester, "evicted (least recently used) to make room for " + who)) {
                throw noRoom(budget, needed, who);
            }
        }
    }

    private static GantryException noRoom(DeviceBudget budget, long needed, String who) {
        return insufficient("%s needs %s on %s but only %s of its %s budget is free, and every other model there is"
                + " pinned, busy or still loading", who, ByteSizes.format(needed), budget.device,
                ByteSizes.format(Math.max(0, budget.freeBytes())), ByteSizes.format(budget.budgetBytes));
    }

    private boolean evictOne(DeviceBudget budget, LeaseImpl requester, String reason) {
        // Snapshot the last-use times once, so that the order is consistent while requests keep touching.
        List<Candidate> candidates = new ArrayList<>();
        Map<Candidate, LeaseImpl> leases = new LinkedHashMap<>();
        for (LeaseImpl lease : budget.leases) {
            if (lease.resident && !lease.pinned() && lease != requester) {
                Candidate candidate = Candidate.of(lease, lease.lastUsedNanos());
                candidates.add(candidate);
                leases.put(candidate, lease);
            }
        }
        candidates.sort(Comparator.comparingLong(Candidate::lastUsedNanos));
        List<Candidate> busy = new ArrayList<>();
        for (Candidate candidate : candidates) {
            LeaseImpl lease = leases.get(candidate);
            if (lease.evictable.evictIfIdle(reason)) {
                lease.close(); // in case the evictable did not: the memory is gone either way
                evictions++;
                LOG.info("Evicted {} (idle for {} ms): {}", lease,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - candidate.lastUsedNanos()), reason);
                evictionObserver.accept(new EvictionDecision(candidate, List.copyOf(busy), List.copyOf(candidates)));
                return true;
            }
            busy.add(candidate);
        }
        return false;
    }

    void commit(LeaseImpl lease, long measuredBytes, String artifactKey) {
        lock.lock();
        try {
            if (lease.closed) {
                throw new IllegalStateException(lease + ": lease already released");
            }
            if (measuredBytes > lease.budget.budgetBytes) {
                throw insufficient("%s takes %s, more than the whole budget of %s (%s)", lease,
                        ByteSizes.format(measuredBytes), lease.budget.device, ByteSizes.format(lease.budget.budgetBytes));
            }
            long growth = measuredBytes - lease.bytes;
            if (growth > 0) {
                makeRoom(lease.budget, growth, lease, lease.toString());
            }
            lease.budget.usedBytes += growth;
            lease.bytes = measuredBytes;
            lease.resident = true;
            lease.touch();
        } finally {
            lock.unlock();
        }
        if (artifactKey != null) {
            footprints.put(artifactKey, measuredBytes);
        }
    }

    void release(LeaseImpl lease) {
        lock.lock();
        try {
            if (!lease.closed) {
                lease.closed = true;
                lease.budget.leases.remove(lease);
                lease.budget.usedBytes -= lease.bytes;
            }
        } finally {
            lock.unlock();
        }
    }

    long bytesOf(LeaseImpl lease) {
        lock.lock();
        try {
            return lease.bytes;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long evictFor(Device device, long bytes, Lease requester) {
        lock.lock();
        try {
            DeviceBudget budget = devices.get(device);
            if (budget == null) {
                return 0;
            }
            long before = budget.usedBytes;
            while (before - budget.usedBytes < bytes
                    && evictOne(budget, (LeaseImpl) requester, "evicted (least recently used): " + requester
                            + " ran out of memory")) {
                // each pass evicts one model
            }
            return before - budget.usedBytes;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long hostBytesInUse() {
        return HostMemoryProbe.nativeBytesInUse();
    }

    @Override
    public OptionalLong learnedFootprint(String artifactKey) {
        return footprints.get(artifactKey);
    }

    @Override
    public MemoryReport report() {
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        lock.lock();
        try {
            List<MemoryReport.DeviceMemory> report = new ArrayList<>();
            for (DeviceBudget budget : devices.values()) {
                List<LeaseImpl> leases = new ArrayList<>(budget.leases);
                leases.sort(Comparator.comparingLong(LeaseImpl::lastUsedNanos));
                List<MemoryReport.LeaseInfo> models = leases.stream()
                        .map(l -> new MemoryReport.LeaseInfo(l.model, l.version, l.bytes, l.pinned(),
                                nowMillis - TimeUnit.NANOSECONDS.toMillis(nowNanos - l.lastUsedNanos()),
                                l.resident ? "RESIDENT" : "LOADING"))
                        .toList();
                report.add(new MemoryReport.DeviceMemory(budget.device.name(), budget.device, budget.capacityBytes,
                        budget.budgetBytes, budget.usedBytes, models));
            }
            return new MemoryReport(report, evictions);
        } finally {
            lock.unlock();
        }
    }

    private static GantryException insufficient(String format, Object... args) {
        return new GantryException(ErrorKind.INSUFFICIENT_MEMORY, String.format(format, args));
    }
}
