package org.gantry.memory.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry memory manager",
        description = "Budgets per device; models beyond them evict the least recently used idle ones.")
@interface MemoryConfig {

    @AttributeDefinition(name = "Host budget",
            description = "Host memory models may use, in bytes or with a unit (512MiB, 8GiB). Empty: the host"
                    + " utilisation target of (physical memory − JVM heap). Environment: "
                    + MemoryManagerImpl.HOST_BUDGET_ENV)
    String hostBudget() default "";

    @AttributeDefinition(name = "Host utilisation target", description = "0..1, used when no host budget is set.")
    double hostUtilization() default 0.8;

    @AttributeDefinition(name = "GPU utilisation target",
            description = "Fraction of each GPU's memory models may use, 0..1. Environment: "
                    + MemoryManagerImpl.GPU_UTILIZATION_ENV)
    double gpuUtilization() default 0.8;

    @AttributeDefinition(name = "GPU reserve",
            description = "Kept free on each GPU beyond the utilisation target (CUDA contexts, workspaces).")
    String gpuReserve() default "512MiB";

    @AttributeDefinition(name = "Discover GPUs", description = "Look for CUDA GPUs through JCuda's driver API.")
    boolean gpuDiscovery() default true;

    @AttributeDefinition(name = "Footprint file",
            description = "Where measured footprints are remembered across restarts. Empty:"
                    + " <karaf.data>/gantry/footprints.properties.")
    String footprintFile() default "";
}
