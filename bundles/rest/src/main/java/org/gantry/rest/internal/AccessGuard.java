package org.gantry.rest.internal;

import org.gantry.protocol.access.Access;
import org.gantry.protocol.access.AccessPolicy;
import org.gantry.protocol.access.Refusal;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * The guard of one resource method, which needs {@code access}: lets a request through only when the
 * {@link AccessPolicy} says it may pass.
 */
record AccessGuard(AccessPolicy policy, Access access) implements ContainerRequestFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        // Set by ClientAddressFilter; a request without it counts as remote, the stricter case.
        boolean fromLoopback = Boolean.TRUE.equals(request.getProperty(ClientAddressFilter.FROM_LOOPBACK));
        Refusal refusal = policy.refusal(access, request.getHeaderString(HttpHeaders.AUTHORIZATION),
                fromLoopback);
        if (refusal != null) {
            // The body stays unread, so the connection cannot carry another request: say so to the client.
            int status = EndpointAccess.status(refusal);
            var response = ErrorMapper.error(status, EndpointAccess.message(refusal)).header("Connection", "close");
            if (status == 401) {
                response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"gantry\"");
            }
            request.abortWith(response.build());
        }
    }
}
