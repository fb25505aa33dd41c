package org.gantry.memory.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a GPU holds beyond the leases (CUDA context, kernels, the caching allocator's blocks), measured with a fake
 * device that counts what the "engine" allocates, and kept off the budget.
 */
class UnleasedMemoryTest {

    private static final Device GPU = Device.gpu(0);
    private static final long CAPACITY = 10_000;
    private static final long RESERVE = 500;
    private static final long OTHERS = 1_000; // other processes on the GPU before Gantry

    /** The device's memory in use, all processes, as the driver would report it. */
    private final AtomicLong deviceUsed = new AtomicLong(OTHERS);
    private final MemoryManagerImpl manager = new MemoryManagerImpl(
            new DeviceBudget(Device.CPU, 1L << 30, 1L << 30),
            List.of(new CudaDevices.Gpu(0, "fake", CAPACITY, CAPACITY - OTHERS, "0000:01:00.0", false)), 1.0, RESERVE,
            null, gpus -> device -> device.equals(GPU) ? OptionalLong.of(deviceUsed.get()) : OptionalLong.empty(), 0,
            hostBudget -> 0);

    @AfterEach
    void stop() {
        manager.deactivate();
    }

    private MemoryReport.DeviceMemory gpu() {
        return manager.report().devices().get(1);
    }

    private Lease reserve(String model, long bytes) {
        return manager.reserve(new LeaseRequest(model, 1, List.of(GPU), bytes, false, reason -> false));
    }

    @Test
    void whatTheGpuHoldsBeyondTheLeasesIsMeasuredAndKeptOffItsBudget() throws Exception {
        assertEquals(-1, gpu().unleasedBytes(), "nothing measured before the first load");
        assertEquals(CAPACITY - RESERVE, gpu().budgetBytes(), "until then the reserve stands in");
        assertEquals(-1, manager.report().devices().get(0).unleasedBytes(), "the host is not measured");

        deviceUsed.addAndGet(2_000); // the engine's warm-up: CUDA context and kernels
        Lease first = reserve("first", 3_000); // read before the load: the device is quiet
        assertEquals(2_000, gpu().unleasedBytes());
        assertEquals(CAPACITY - 2_000, gpu().budgetBytes(), "measured beyond the reserve: kept off instead");

        deviceUsed.addAndGet(3_000); // the model's weights
        first.commit(3_000, null);
        deviceUsed.addAndGet(-2_700); // unloaded; the caching allocator keeps 300
        first.close();
        awaitTrue(() -> gpu().unleasedBytes() == 2_300); // read after the unload
        assertEquals(CAPACITY - 2_300, gpu().budgetBytes());

        deviceUsed.addAndGet(-300); // emptied later: a quiet reading may lower the figure
        reserve("second", 1_000);
        assertEquals(2_000, gpu().unleasedBytes());
        MemoryReport.DeviceMemory gpu = gpu();
        assertTrue(gpu.usedBytes() + gpu.unleasedBytes() <= CAPACITY - RESERVE, "leases and the rest in the target");
    }

    @Test
    void aReadingWhileALoadRunsCanOnlyRaiseTheFigure() {
        deviceUsed.addAndGet(2_000);
        reserve("loading", 3_000); // its engine has allocated nothing yet
        assertEquals(2_000, gpu().unleasedBytes());

        reserve("another", 100); // read while the first load runs: 0 beyond leases, a low reading, ignored
        assertEquals(2_000, gpu().unleasedBytes());

        deviceUsed.addAndGet(3_000 + 1_500); // the load allocated its weights and a 1,500 byte workspace
        reserve("third", 100); // 2,000 + 1,500, less the 100 leased to "another" that hold nothing on the device yet
        assertEquals(3_400, gpu().unleasedBytes(), "a higher reading counts even while loads run");
        assertEquals(CAPACITY - 3_400, gpu().budgetBytes());
    }
}
