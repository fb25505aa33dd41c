package org.gantry.lifecycle.internal;

import org.gantry.api.server.Drain;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the server when the framework stops: on SIGTERM (Karaf's launcher answers it by stopping the framework),
 * {@code bin/stop} or {@code system:shutdown}. The framework stops bundles from the highest start level down, one at
 * a time, and this bundle has the highest of the server's (90, above the backends' 85), so the drain runs while
 * every bundle a request needs is still active, and the framework's stop waits for it. A JVM shutdown hook would
 * not do: Karaf handles SIGTERM itself, and runs the hooks only once the framework is gone.
 *
 * <p>Stopping or updating this bundle alone, with the framework running, does not drain.
 */
@Component(immediate = true, service = {})
public class DrainOnShutdown {

    private static final Logger LOG = LoggerFactory.getLogger(DrainOnShutdown.class);

    private final Drain drain;
    private final Bundle framework;

    @Activate
    public DrainOnShutdown(@Reference(name = "drain") Drain drain, BundleContext context) {
        this(drain, context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION));
    }

    DrainOnShutdown(Drain drain, Bundle framework) {
        this.drain = drain;
        this.framework = framework;
    }

    @Deactivate
    void deactivate() {
        if (framework.getState() != Bundle.STOPPING) {
            return;
        }
        LOG.info("The server is stopping: draining first");
        boolean complete = drain.drain();
        LOG.info("Drained ({}); the server stops", complete ? "every request answered" : "timed out");
    }
}
