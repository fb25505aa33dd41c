package org.gantry.rest.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;

/**
 * Caps request bodies: a declared Content-Length above the limit is refused before anything is read; a body that
 * announces no length (chunked) fails with 413 as soon as it passes the limit.
 */
@Component(service = ContainerRequestFilter.class, configurationPid = RestConfig.PID)
@JakartarsExtension
@JakartarsName(BodyLimit.NAME)
@PreMatching
@Priority(Priorities.AUTHENTICATION + 1)
public class BodyLimit implements ContainerRequestFilter {

    static final String NAME = "gantry.body-limit";

    private final long maxBytes;

    @Activate
    public BodyLimit(RestConfig config) {
        this.maxBytes = config.maxRequestBytes();
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (request.getLength() > maxBytes) {
            request.abortWith(ErrorMapper.error(413, String.format("the request body has %d bytes; this server"
                    + " accepts at most %d", request.getLength(), maxBytes)).header("Connection", "close").build());
            return;
        }
        if (request.hasEntity()) {
            request.setEntityStream(BoundedInputStream.capped(request.getEntityStream(), maxBytes));
        }
    }
}
