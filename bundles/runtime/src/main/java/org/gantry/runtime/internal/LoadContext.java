package org.gantry.runtime.internal;

import java.nio.file.Path;
import java.util.List;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.backend.WorkingMemory;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelInvoker;

/** What a backend is given to load one version: no admin server, no memory manager, only what it may use. */
record LoadContext(ModelConfig config, long version, Path modelDirectory, Device device,
        ModelInvoker invoker, MemoryManager memory) implements ModelLoadContext {

    /** Leases on the model's device that are never evicted and fail at once when there is no room. */
    @Override
    public WorkingMemory workingMemory() {
        return (purpose, bytes) -> {
            Lease lease = memory.reserve(new LeaseRequest(config.name() + " (" + purpose + ")", version,
                    List.of(device), bytes, false, reason -> false));
            return new WorkingMemory.Allocation() {
                @Override
                public long bytes() {
                    return lease.bytes();
                }

                @Override
                public void close() {
                    lease.close();
                }
            };
        };
    }
}
