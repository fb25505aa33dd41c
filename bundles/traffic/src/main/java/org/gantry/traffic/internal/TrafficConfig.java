package org.gantry.traffic.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/traffic-config", name = "%name", description = "%description")
@interface TrafficConfig {

    /** The PID the traffic component reads. */
    String PID = "org.gantry.traffic";

    @AttributeDefinition(name = "%shadowThreads.name", min = "1", description = "%shadowThreads.description")
    int shadowThreads() default 16;

    @AttributeDefinition(name = "%shadowBatchWaitMillis.name", min = "1",
            description = "%shadowBatchWaitMillis.description")
    int shadowBatchWaitMillis() default 50;

    @AttributeDefinition(name = "%shadowQueueSize.name", min = "0", description = "%shadowQueueSize.description")
    int shadowQueueSize() default 64;

    @AttributeDefinition(name = "%shadowMemoryHeadroomPercent.name", min = "0", max = "100",
            description = "%shadowMemoryHeadroomPercent.description")
    int shadowMemoryHeadroomPercent() default 10;

    @AttributeDefinition(name = "%settingsRefreshSeconds.name", min = "0",
            description = "%settingsRefreshSeconds.description")
    int settingsRefreshSeconds() default 5;
}
