package org.gantry.status.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry status page",
        description = "The status page at /status: how much of the recent past its timeline keeps.")
@interface StatusConfig {

    /** The PID the status components read. */
    String PID = "org.gantry.status";

    @AttributeDefinition(name = "Timeline (minutes)", min = "1",
            description = "Loads, evictions and failures older than this leave the timeline.")
    int timelineMinutes() default 10;

    @AttributeDefinition(name = "Timeline events", min = "10",
            description = "At most this many events are kept, the oldest dropped first (an eviction storm must not"
                    + " grow the server's memory).")
    int maxEvents() default 2000;
}
