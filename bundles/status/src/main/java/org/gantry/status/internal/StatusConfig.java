package org.gantry.status.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/status-config", name = "%name", description = "%description")
@interface StatusConfig {

    /** The PID the status components read. */
    String PID = "org.gantry.status";

    @AttributeDefinition(name = "%timelineMinutes.name", min = "1", description = "%timelineMinutes.description")
    int timelineMinutes() default 10;

    @AttributeDefinition(name = "%maxEvents.name", min = "10", description = "%maxEvents.description")
    int maxEvents() default 2000;
}
