package org.gantry.memory.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry memory manager",
        description = "Budgets per device; models beyond them evict the least recently used idle ones.")
@interface MemoryConfig {

    @AttributeDefinition(name = "Host budget",
            description = "Host memory models may use, in bytes or with a unit (512MiB, 8GiB). Empty: the host"
                    + " utilisation target of (physical memory − JVM heap). The distribution's"
                    + " etc/org.gantry.memory.cfg takes it from the environment variable GANTRY_MEMORY_HOST_BUDGET.")
    String hostBudget() default "";

    @AttributeDefinition(name = "Host utilisation target", description = "0..1, used when no host budget is set.")
    double hostUtilization() default 0.8;

    @AttributeDefinition(name = "GPU utilisation target",
            description = "Fraction of each GPU's memory models may use, 0..1. The distribution's"
                    + " etc/org.gantry.memory.cfg takes it from the environment variable"
                    + " GANTRY_MEMORY_GPU_UTILIZATION.")
    double gpuUtilization() default 0.8;

    @AttributeDefinition(name = "GPU reserve",
            description = "Kept off each GPU's budget for what leases do not count (CUDA context, kernels, the caching"
                    + " allocator's blocks) until that is measured; once the measured figure is larger, it is kept off"
                    + " instead.")
    String gpuReserve() default "512MiB";

    @AttributeDefinition(name = "Unleased memory sampling (s)",
            description = "How often each GPU's memory in use is read (NVML) to measure what the process uses beyond"
                    + " its leases; it is also read before each load and after each unload. 0: only then.",
            min = "0")
    int unleasedSampleSeconds() default 5;

    @AttributeDefinition(name = "Host tier budget",
            description = "Host memory that models evicted from GPUs may wait in (pinned, so that they come back in"
                    + " milliseconds), in bytes or with a unit (16GiB); part of the host budget, and it yields to models"
                    + " served from the host. 0: no host tier. Empty: the host tier share of the host budget.")
    String hostTierBudget() default "";

    @AttributeDefinition(name = "Host tier share", description = "0..1 of the host budget, used when no host tier"
            + " budget is set.")
    double hostTierShare() default 0.25;

    @AttributeDefinition(name = "Discover GPUs", description = "Look for CUDA GPUs through JCuda's driver API.")
    boolean gpuDiscovery() default true;

    @AttributeDefinition(name = "Footprint file",
            description = "Where measured footprints are remembered across restarts. Empty:"
                    + " <karaf.data>/gantry/footprints.properties.")
    String footprintFile() default "";
}
