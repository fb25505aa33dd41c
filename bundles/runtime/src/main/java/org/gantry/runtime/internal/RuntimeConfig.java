package org.gantry.runtime.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(name = "Gantry runtime",
        description = "Model lifecycle: loading on first request, unloading, failure handling.")
@interface RuntimeConfig {

    @AttributeDefinition(name = "Loader threads", description = "Model versions loaded in parallel.", min = "1")
    int loadThreads() default 2;

    @AttributeDefinition(name = "Loads per device",
            description = "Model versions loaded onto one device at the same time.", min = "1")
    int loadsPerDevice() default 2;

    @AttributeDefinition(name = "Measure load overhead",
            description = "Measure the native memory the first load of each artifact takes on the host (that load"
                    + " runs alone on its device) and lease at least that; later loads reuse the learned figure.")
    boolean measureLoadOverhead() default true;

    @AttributeDefinition(name = "Load timeout (s)",
            description = "How long a request waits for its model to load before it gets 503.", min = "1")
    int loadTimeoutSeconds() default 600;

    @AttributeDefinition(name = "Load wait for memory (s)",
            description = "How long a load waits for room that busy or loading models hold (they are idle again within"
                    + " milliseconds), in arrival order with the other waiting loads, before its requests get 503 with"
                    + " Retry-After; a request's own timeout still applies. A model that can never fit (larger than"
                    + " the budget, or everything else pinned) fails at once. 0: no waiting.",
            min = "0")
    int loadWaitSeconds() default 30;

    @AttributeDefinition(name = "Failed load retry delay (s)",
            description = "After a load failed on its artifact or configuration, requests get the failure at once for"
                    + " this long before the next request tries again. A load that failed for want of memory or of a"
                    + " backend is tried again by the next request.",
            min = "0")
    int failedLoadRetrySeconds() default 5;

    @AttributeDefinition(name = "Drain timeout (s)",
            description = "How long an unload waits for in-flight requests to finish.", min = "0")
    int drainTimeoutSeconds() default 30;

    @AttributeDefinition(name = "Queue bound",
            description = "Requests that may wait for one model version's execution slots when its configuration"
                    + " sets no max_queue_size; more are refused with 503 and Retry-After.",
            min = "1")
    int maxQueueSize() default 1024;

    @AttributeDefinition(name = "Backend wait (s)",
            description = "While a backend that served a model is away (its bundle being updated or restarted),"
                    + " requests for the model wait this long for it to come back before they get 503.",
            min = "0")
    int backendWaitSeconds() default 30;

    @AttributeDefinition(name = "Backend install wait (s)",
            description = "When a model needs a backend that ships but does not run (a Karaf feature installed on"
                    + " first use), how long its request waits for it before it gets 503 with Retry-After while the"
                    + " backend is still being provided.",
            min = "0")
    int backendInstallWaitSeconds() default 20;

    @AttributeDefinition(name = "Model control mode",
            description = "on-demand: a model loads on its first request (and by the load API); explicit: only the"
                    + " load API (or console) loads models, requests for others get 503; poll: as on-demand, and the"
                    + " repository is watched: loaded models whose files changed (and stayed unchanged for an"
                    + " interval) load again, new versions take over when ready, removed models unload.",
            options = { @Option(label = "on-demand", value = "on-demand"),
                    @Option(label = "explicit", value = "explicit"),
                    @Option(label = "poll", value = "poll") })
    String modelControlMode() default "on-demand";

    @AttributeDefinition(name = "Poll interval (s)",
            description = "In poll mode, how often the repository is looked at; a change is acted on once it stayed"
                    + " the same for one interval.",
            min = "1")
    int pollIntervalSeconds() default 15;

    @AttributeDefinition(name = "Start-up condition",
            description = "The OSGi condition that says the server has started (property startup.target): until it"
                    + " holds, readiness is 503 and requests wait for backends not seen yet, which may still be"
                    + " starting. Karaf's configuration targets gantry.boot.finished (its boot features installed).")
    String startup_target() default "(osgi.condition.id=true)";
}
