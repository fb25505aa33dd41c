package org.gantry.runtime.internal;

import java.util.function.Supplier;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.MemoryManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One retry of an engine call that ran out of memory, after other models on its device were evicted. Engines
 * allocate working memory beyond their lease (activations, a bigger batch); when that fails, idle models are the
 * memory to take, once.
 */
final class MemoryRetry {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryRetry.class);

    private final MemoryManager memory;

    MemoryRetry(MemoryManager memory) {
        this.memory = memory;
    }

    /**
     * Runs {@code call}; when it runs out of memory and evictions free some on the lease's device, runs it again.
     *
     * @param lease the lease whose device to make room on, asked only when the call ran out of memory
     */
    <T> T run(Supplier<Lease> lease, Supplier<T> call) {
        try {
            return call.get();
        } catch (GantryException e) {
            if (e.kind() != ErrorKind.INSUFFICIENT_MEMORY || !evictFor(lease.get(), e)) {
                throw e;
            }
            return call.get(); // once, after other models made room
        }
    }

    /** After an engine ran out of memory: evicts other models on the device; true if any memory came free. */
    private boolean evictFor(Lease lease, GantryException outOfMemory) {
        if (lease == null) {
            return false;
        }
        long freed = memory.evictFor(lease.device(), Math.max(lease.bytes(), 1), lease);
        LOG.info("{} ran out of memory ({}); evicted {} bytes to retry", lease, outOfMemory.getMessage(), freed);
        return freed > 0;
    }
}
