package org.gantry.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryReport;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.test.support.LoadedModels;
import org.gantry.test.support.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One backend load at a time per device slot: the bound per device, exclusive loads, and a GPU load's staging. */
class DeviceLoadsTest {

    private static final long MIB = 1L << 20;

    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final CountDownLatch finish = new CountDownLatch(1);

    @AfterEach
    void stop() {
        finish.countDown();
        callers.shutdownNow();
    }

    /** A backend whose loads count how many run at once and wait until the test lets them finish. */
    private final Backend slowBackend = TestBackend.of("slow", "test_platform", context -> {
        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            finish.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.decrementAndGet();
        }
        return LoadedModels.echo();
    });

    private static Lease lease(MemoryManagerImpl memory, Device device, long bytes) {
        return memory.reserve(new LeaseRequest("m", 1, List.of(device), bytes, false, reason -> false));
    }

    private static LoadContext context(Device device) {
        return new LoadContext(TestModels.scaleConfig("m", 0, null), 1, Path.of("."), device, null, null);
    }

    private Future<LoadedModel> loadLater(DeviceLoads loads, Lease lease, boolean exclusive) {
        return callers.submit(() -> loads.load(slowBackend, context(lease.device()), lease, MIB, exclusive));
    }

    private static void awaitRunning(AtomicInteger running, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (running.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void atMostLoadsPerDeviceRunOnOneDeviceAtOnce() throws Exception {
        MemoryManagerImpl memory = MemoryManagerImpl.forHost(1L << 30, null);
        DeviceLoads loads = new DeviceLoads(memory, 2, Duration.ofSeconds(1));
        List<Future<LoadedModel>> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            started.add(loadLater(loads, lease(memory, Device.CPU, MIB), false));
        }
        awaitRunning(running, 2);
        Thread.sleep(100);
        assertEquals(2, running.get(), "the third load waits for a slot");
        finish.countDown();
        for (Future<LoadedModel> load : started) {
            load.get(10, TimeUnit.SECONDS);
        }
        assertEquals(2, mostAtOnce.get());
    }

    @Test
    void anExclusiveLoadRunsAloneOnItsDevice() throws Exception {
        MemoryManagerImpl memory = MemoryManagerImpl.forHost(1L << 30, null);
        DeviceLoads loads = new DeviceLoads(memory, 4, Duration.ofSeconds(1));
        Future<LoadedModel> first = loadLater(loads, lease(memory, Device.CPU, MIB), false);
        awaitRunning(running, 1);
        Future<LoadedModel> measured = loadLater(loads, lease(memory, Device.CPU, MIB), true);
        Thread.sleep(100);
        assertEquals(1, running.get(), "a measured load waits until the device has no other load");
        finish.countDown();
        first.get(10, TimeUnit.SECONDS);
        measured.get(10, TimeUnit.SECONDS);
        assertEquals(1, mostAtOnce.get());
    }

    @Test
    void aGpuLoadLeasesHostMemoryForItsArtifactOnlyWhileItRuns() throws Exception {
        MemoryManagerImpl memory = MemoryManagerImpl.withSimulatedGpus(1L << 30, List.of(1L << 30));
        DeviceLoads loads = new DeviceLoads(memory, 2, Duration.ofSeconds(1));
        AtomicLong hostUsedDuringLoad = new AtomicLong(-1);
        Backend observing = TestBackend.of("observing", "test_platform", context -> {
            hostUsedDuringLoad.set(hostUsed(memory.report()));
            return LoadedModels.echo();
        });
        Lease gpu = lease(memory, Device.gpu(0), MIB);
        long hostBefore = hostUsed(memory.report());
        loads.load(observing, context(gpu.device()), gpu, 64 * MIB, false);
        assertEquals(hostBefore + 64 * MIB, hostUsedDuringLoad.get(), "the artifact passes through host memory");
        assertEquals(hostBefore, hostUsed(memory.report()), "and its staging lease is gone after the load");
        assertTrue(hostUsedDuringLoad.get() > 0);
    }

    private static long hostUsed(MemoryReport report) {
        return report.devices().stream().filter(d -> d.device().equals(Device.CPU)).findFirst().orElseThrow()
                .usedBytes();
    }
}
