package org.gantry.memory.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

import org.gantry.api.backend.Device;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.memory.ParkRequest;
import org.gantry.api.memory.Residence;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budgets per device and the leases held against them. Reservations, commits and releases take one lock, briefly:
 * choosing victims happens under it, unloading them never does (an evicted model's lease counts as being freed until
 * its engine has let go), so no reservation, request, report or scrape waits for an engine's teardown. A request's
 * {@link Lease#touch()} takes no lock. A reservation that needs room which busy or loading models hold waits for them,
 * in arrival order ({@link Admission}); on GPUs, what the process uses beyond its leases is measured and kept off the
 * budget ({@link UnleasedMemory}).
 */
@Component(service = MemoryManager.class, configurationPid = MemoryManagerImpl.PID)
@Designate(ocd = MemoryConfig.class)
public final class MemoryManagerImpl implements MemoryManager {

    static final String PID = "org.gantry.memory";
    private static final Logger LOG = LoggerFactory.getLogger(MemoryManagerImpl.class);
    /** Long enough to mean "wait as long as it takes" without overflowing deadlines. */
    private static final long LONGEST_WAIT_NANOS = TimeUnit.DAYS.toNanos(365);

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Device, DeviceBudget> devices = new LinkedHashMap<>();
    private final FootprintStore footprints;
    private final Victims victims = new Victims();
    private final Admission admission = new Admission(lock, victims);
    private final UnleasedMemory unleased;
    private final HostTier hostTier;

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
        this(ConfiguredBudgets.host(config), config.gpuDiscovery() ? CudaDevices.discover() : List.of(),
                ConfiguredBudgets.gpuUtilization(config.gpuUtilization()), ByteSizes.parse(config.gpuReserve()),
                ConfiguredBudgets.footprintFile(config.footprintFile()), NvmlProbe::open,
                config.unleasedSampleSeconds(),
                HostTier.ceiling(config.hostTierBudget(), config.hostTierShare()));
    }

    /** @param hostTierBudget the host tier's ceiling given the host budget; used only when there are GPUs */
    MemoryManagerImpl(DeviceBudget host, List<CudaDevices.Gpu> gpus, double gpuUtilization, long gpuReserve,
            Path footprintFile, Function<List<CudaDevices.Gpu>, DeviceMemoryProbe> probe,
            int sampleSeconds, HostTier.Ceiling hostTierBudget) {
        devices.put(Device.CPU, host);
        long tierBytes = gpus.isEmpty() ? 0 : hostTierBudget.bytes(host.budgetBytes());
        this.hostTier = new HostTier(this, host, tierBytes, victims, admission);
        List<DeviceBudget> gpuBudgets = new ArrayList<>();
        for (CudaDevices.Gpu gpu : gpus) {
            DeviceBudget budgetOfGpu = new DeviceBudget(Device.gpu(gpu.index()), gpu.totalBytes(),
                    (long) (gpu.totalBytes() * gpuUtilization), gpuReserve);
            devices.put(budgetOfGpu.device, budgetOfGpu);
            gpuBudgets.add(budgetOfGpu);
            LOG.info("GPU {} ({}): {} total, {} free, budget {}", gpu.index(), gpu.name(),
                    ByteSizes.format(gpu.totalBytes()), ByteSizes.format(gpu.freeBytes()),
                    ByteSizes.format(budgetOfGpu.budgetBytes()));
            if (gpu.contextActive()) {
                LOG.warn("GPU {} had a CUDA context of this process before the memory manager started: that context"
                        + " counts as in use before Gantry, not as unleased memory", gpu.index());
            }
        }
        this.footprints = new FootprintStore(footprintFile);
        this.unleased = new UnleasedMemory(probe.apply(gpus), gpuBudgets, lock, admission::roomChanged,
                sampleSeconds);
        LOG.info("Host memory: {} physical, budget {}, host tier for models evicted from GPUs {}",
                ByteSizes.format(host.capacityBytes), ByteSizes.format(host.budgetBytes()),
                tierBytes > 0 ? ByteSizes.format(tierBytes) : "off");
    }

    /**
     * A manager of host memory only, with a fixed budget: for tests and tools running the runtime outside
     * OSGi. {@code footprintFile} may be null (nothing remembered).
     */
    public static MemoryManagerImpl forHost(long budgetBytes, Path footprintFile) {
        return new MemoryManagerImpl(new DeviceBudget(Device.CPU, ConfiguredBudgets.physicalMemory(), budgetBytes),
                List.of(), 0, 0,
                footprintFile, gpus -> DeviceMemoryProbe.NONE, 0, hostBudget -> 0);
    }

    /**
     * A manager with a fixed host budget and simulated GPUs of the given budgets (capacity = budget): for tests
     * of placement without a GPU.
     */
    public static MemoryManagerImpl withSimulatedGpus(long hostBudget, List<Long> gpuBudgets) {
        return withSimulatedGpus(hostBudget, gpuBudgets, 0);
    }

    /**
     * A manager with a fixed host budget, simulated GPUs of the given budgets, and a host tier of
     * {@code hostTierBudget} bytes (0: none): for tests of the tiers without a GPU.
     */
    public static MemoryManagerImpl withSimulatedGpus(long hostBudget, List<Long> gpuBudgets, long hostTierBudget) {
        List<CudaDevices.Gpu> gpus = new ArrayList<>();
        for (int i = 0; i < gpuBudgets.size(); i++) {
            gpus.add(new CudaDevices.Gpu(i, "simulated", gpuBudgets.get(i), gpuBudgets.get(i), null, false));
        }
        return new MemoryManagerImpl(new DeviceBudget(Device.CPU, ConfiguredBudgets.physicalMemory(), hostBudget), gpus,
                1.0, 0, null,
                ignored -> DeviceMemoryProbe.NONE, 0, budget -> Math.min(hostTierBudget, budget));
    }

    @Deactivate
    void deactivate() {
        unleased.close();
    }

    /** Registers the one observer of eviction decisions (for tests). */
    public void observeEvictions(Consumer<EvictionDecision> observer) {
        victims.observe(observer);
    }

    @Override
    public Lease reserve(LeaseRequest request) {
        return reserve(request, Duration.ZERO);
    }

    @Override
    public Lease reserve(LeaseRequest request, Duration maxWait) {
        long maxWaitNanos = Math.min(Math.max(0, maxWait.toNanos()), LONGEST_WAIT_NANOS);
        DeviceBudget measured = devices.get(request.candidates().get(0));
        if (measured != null && unleased.measures(measured)) {
            unleased.sample(measured); // the budget as the device stands before this load
        }
        lock.lock();
        try {
            DeviceBudget target = choose(request);
            admission.admit(target, request.model(), request.version(), request.bytes(), maxWaitNanos);
            LeaseImpl lease = new LeaseImpl(this, request.model(), request.version(), target, request.bytes(),
                    request.pinned(), request.evictable(), maxWaitNanos);
            target.leases.add(lease);
            target.usedBytes += lease.bytes;
            target.generation++;
            return lease;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The candidate where the request fits now, with nothing waiting there, with the most budget left; else the
     * first one (it waits or evicts).
     */
    private DeviceBudget choose(LeaseRequest request) {
        DeviceBudget best = null;
        for (Device candidate : request.candidates()) {
            DeviceBudget budget = devices.get(candidate);
            if (budget != null && budget.waiting.isEmpty() && budget.freeBytes() >= request.bytes()
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

    /** A model went idle or a pin changed: waiting reservations look again. Cheap when nothing waits. */
    void roomMayHaveChanged() {
        if (admission.anyoneWaits()) {
            lock.lock();
            try {
                admission.roomChanged();
            } finally {
                lock.unlock();
            }
        }
    }

    void commit(LeaseImpl lease, long measuredBytes, String artifactKey) {
        lock.lock();
        try {
            if (lease.closed) {
                throw new IllegalStateException(lease + ": lease already released");
            }
            if (measuredBytes > lease.budget.budgetBytes()) {
                throw insufficient("%s takes %s, more than the whole budget of %s (%s)", lease,
                        ByteSizes.format(measuredBytes), lease.budget.device,
                        ByteSizes.format(lease.budget.budgetBytes()));
            }
            long growth = measuredBytes - lease.bytes;
            if (growth > 0) {
                admission.grow(lease, growth);
                if (lease.closed) {
                    throw new IllegalStateException(lease + ": lease released while it waited for room");
                }
            }
            lease.budget.usedBytes += growth;
            lease.bytes = measuredBytes;
            lease.resident = true;
            lease.budget.generation++;
            lease.touch();
            admission.roomChanged(); // a shrunk lease leaves room; a resident one may be evicted once idle
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
            if (lease.closed) {
                return;
            }
            lease.closed = true;
            lease.budget.leases.remove(lease);
            if (lease.freeing) {
                lease.budget.freeingBytes -= lease.bytes;
            } else {
                lease.budget.usedBytes -= lease.bytes;
            }
            lease.budget.generation++;
            admission.roomChanged();
        } finally {
            lock.unlock();
        }
        unleased.sampleSoon(lease.budget); // what the engine left behind on the device
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
            LeaseImpl needy = (LeaseImpl) requester;
            return admission.evictFor(budget, bytes, needy == null ? "" : needy.model,
                    needy == null ? -1 : needy.version,
                    "evicted (least recently used): " + requester + " ran out of memory");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Lease> park(ParkRequest request) {
        lock.lock();
        try {
            return hostTier.park(request);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean unpark(Lease parked) {
        lock.lock();
        try {
            return parked instanceof LeaseImpl lease && lease.budget.device.equals(Device.CPU)
                    && hostTier.unpark(lease);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reloaded(Residence from, long nanos) {
        lock.lock();
        try {
            hostTier.reloaded(from, nanos);
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
        lock.lock();
        try {
            return MemoryReports.of(devices.values(), victims.count(), hostTier.report());
        } finally {
            lock.unlock();
        }
    }

    private static GantryException insufficient(String format, Object... args) {
        return new GantryException(ErrorKind.INSUFFICIENT_MEMORY, String.format(format, args));
    }
}
