package org.gantry.traffic.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry traffic",
        description = "Canaries and shadows, server-wide. Each model turns them on in its own configuration"
                + " (parameters canary_version, canary_percent, primary_version, shadow_version, shadow_model,"
                + " shadow_percent); these settings bound what shadows may take from the server.")
@interface TrafficConfig {

    /** The PID the traffic component reads. */
    String PID = "org.gantry.traffic";

    @AttributeDefinition(name = "Shadow threads", min = "1",
            description = "Shadow copies run on this many threads of their own, never on a request's thread; at most"
                    + " this many copies are in the shadows' queues at once, and copies go together in groups of"
                    + " at most this many (a shadow's largest batch).")
    int shadowThreads() default 16;

    @AttributeDefinition(name = "Shadow batch wait (ms)", min = "1",
            description = "Copies to a shadow that batches dynamically wait for as many as its largest batch, so"
                    + " they cost it one execution, not one each; after this long those waiting go however few.")
    int shadowBatchWaitMillis() default 50;

    @AttributeDefinition(name = "Shadow queue", min = "0",
            description = "Copies waiting for a shadow thread; when it is full a copy is skipped (counted), so a slow"
                    + " shadow never holds memory or requests back.")
    int shadowQueueSize() default 64;

    @AttributeDefinition(name = "Shadow memory headroom (%)", min = "0", max = "100",
            description = "Shadows yield when memory is short: no copy is sent while every device the server"
                    + " has uses more than 100 minus this share of its budget, so a shadow never makes a primary's"
                    + " model be evicted, and an idle shadow version is the first that eviction picks.")
    int shadowMemoryHeadroomPercent() default 10;

    @AttributeDefinition(name = "Settings refresh (seconds)", min = "0",
            description = "How long a model's traffic settings are kept before its configuration is read again"
                    + " (a load or unload of the model reads it at once).")
    int settingsRefreshSeconds() default 5;
}
