package org.gantry.test.support;

import java.util.OptionalLong;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;

/**
 * A memory manager that only reports, for the front ends that show memory (the memory view, metrics): it leases
 * nothing, evicts nothing, has learned no footprints and does not measure the host.
 */
public final class ReportingMemory implements MemoryManager {

    private final MemoryReport report;

    public ReportingMemory(MemoryReport report) {
        this.report = report;
    }

    @Override
    public Lease reserve(LeaseRequest request) {
        throw new UnsupportedOperationException("a memory manager that only reports");
    }

    @Override
    public long evictFor(Device device, long bytes, Lease requester) {
        return 0;
    }

    @Override
    public long hostBytesInUse() {
        return -1;
    }

    @Override
    public OptionalLong learnedFootprint(String artifactKey) {
        return OptionalLong.empty();
    }

    @Override
    public MemoryReport report() {
        return report;
    }
}
