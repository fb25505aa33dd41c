package org.gantry.engine.libtorch.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.gantry.engine.libtorch.LibTorchException;
import org.gantry.engine.libtorch.LibTorchModule;
import org.gantry.engine.libtorch.NativeDataType;
import org.gantry.engine.libtorch.NativeTensor;

/**
 * One module handle. Calls to {@link #forward} share a read lock and {@link #close} takes the write lock, so a
 * mistaken close during a call waits for it instead of freeing memory under it.
 */
final class NativeModule implements LibTorchModule {

    /** Heap inputs up to this size are packed into a per-thread direct buffer that is reused. */
    private static final int SCRATCH_LIMIT = 1 << 20;
    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();
    private static final NativeDataType[] TYPES = NativeDataType.values();

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    /** Where the parameters are now: changes with {@link #moveTo}, under the write lock. */
    private volatile String device;
    private long handle;

    NativeModule(long handle, String device) {
        this.handle = handle;
        this.device = device;
    }

    @Override
    public List<NativeTensor> forward(List<NativeTensor> inputs) {
        int count = inputs.size();
        ByteBuffer[] buffers = new ByteBuffer[count];
        int[] types = new int[count];
        long[][] shapes = new long[count][];
        long heapBytes = -1;
        for (NativeTensor input : inputs) {
            if (!input.data().isDirect()) {
                heapBytes = Math.max(heapBytes, 0) + input.data().remaining();
            }
        }
        // The bridge reads direct buffers in place (and copies into libtorch's memory before it returns).
        ByteBuffer scratch = heapBytes < 0 ? null : scratch(heapBytes);
        for (int i = 0; i < count; i++) {
            NativeTensor input = inputs.get(i);
            ByteBuffer data = input.data();
            if (data.isDirect()) {
                buffers[i] = data;
            } else {
                int start = scratch.position();
                scratch.put(data);
                buffers[i] = scratch.duplicate().position(start).limit(scratch.position()).slice();
            }
            types[i] = input.type().ordinal();
            shapes[i] = input.shape();
        }
        Object[] results;
        lock.readLock().lock();
        try {
            if (handle == 0) {
                throw new LibTorchException("the module on " + device + " was closed", false);
            }
            results = NativeBridge.forward(handle, buffers, types, shapes);
        } finally {
            lock.readLock().unlock();
        }
        List<NativeTensor> outputs = new ArrayList<>(results.length / 3);
        for (int i = 0; i < results.length; i += 3) {
            ByteBuffer data = ByteBuffer.wrap((byte[]) results[i]).order(ByteOrder.LITTLE_ENDIAN);
            outputs.add(NativeTensor.of(TYPES[((int[]) results[i + 1])[0]], (long[]) results[i + 2], data));
        }
        return outputs;
    }

    private static ByteBuffer scratch(long bytes) {
        if (bytes > SCRATCH_LIMIT) {
            return ByteBuffer.allocateDirect(Math.toIntExact(bytes));
        }
        ByteBuffer scratch = SCRATCH.get();
        if (scratch == null || scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocateDirect(Math.max((int) bytes, 4096));
            SCRATCH.set(scratch);
        }
        return scratch.clear();
    }

    @Override
    public long bytes() {
        lock.readLock().lock();
        try {
            if (handle == 0) {
                throw new LibTorchException("the module on " + device + " was closed", false);
            }
            return NativeBridge.bytes(handle);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long moveTo(String target) {
        lock.writeLock().lock(); // waits for the calls in flight: no forward sees half-moved parameters
        try {
            if (handle == 0) {
                throw new LibTorchException("the module on " + device + " was closed", false);
            }
            long moved = NativeBridge.moveTo(handle, target);
            device = target;
            return moved;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (handle != 0) {
                NativeBridge.free(handle);
                handle = 0;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
