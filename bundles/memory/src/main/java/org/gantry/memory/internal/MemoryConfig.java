package org.gantry.memory.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/memory-config", name = "%name", description = "%description")
@interface MemoryConfig {

    @AttributeDefinition(name = "%hostBudget.name", description = "%hostBudget.description")
    String hostBudget() default "";

    @AttributeDefinition(name = "%hostUtilization.name", description = "%hostUtilization.description")
    double hostUtilization() default 0.8;

    @AttributeDefinition(name = "%gpuUtilization.name", description = "%gpuUtilization.description")
    double gpuUtilization() default 0.8;

    @AttributeDefinition(name = "%gpuReserve.name", description = "%gpuReserve.description")
    String gpuReserve() default "512MiB";

    @AttributeDefinition(name = "%unleasedSampleSeconds.name", description = "%unleasedSampleSeconds.description",
            min = "0")
    int unleasedSampleSeconds() default 5;

    @AttributeDefinition(name = "%hostTierBudget.name", description = "%hostTierBudget.description")
    String hostTierBudget() default "";

    @AttributeDefinition(name = "%hostTierShare.name", description = "%hostTierShare.description")
    double hostTierShare() default 0.25;

    @AttributeDefinition(name = "%gpuDiscovery.name", description = "%gpuDiscovery.description")
    boolean gpuDiscovery() default true;

    @AttributeDefinition(name = "%footprintFile.name", description = "%footprintFile.description")
    String footprintFile() default "";
}
