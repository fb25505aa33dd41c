package org.gantry.traffic.internal;

import java.util.function.Supplier;

import org.gantry.api.server.ModelServer;
import org.osgi.service.component.ComponentServiceObjects;

/**
 * The model server, got from the service registry on first use rather than when the component activates. The runtime
 * binds this bundle's interceptors and listeners while it activates; had they got the server while activating
 * themselves, that was a cycle, which Felix SCR broke by leaving the interceptor unbound for good (seen: data capture
 * that never captured, in one start of several). On first use, long after both have activated, there is none.
 */
final class ServerOnFirstUse implements Supplier<ModelServer> {

    private final ComponentServiceObjects<ModelServer> reference;
    private volatile ModelServer server;

    ServerOnFirstUse(ComponentServiceObjects<ModelServer> reference) {
        this.reference = reference;
    }

    @Override
    public ModelServer get() {
        ModelServer got = server;
        if (got == null) {
            synchronized (this) {
                got = server;
                if (got == null) {
                    got = reference.getService();
                    server = got;
                }
            }
        }
        return got;
    }

    /** Gives the server back, if it was got. */
    synchronized void release() {
        if (server != null) {
            reference.ungetService(server);
            server = null;
        }
    }
}
