package org.gantry.rest.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;

/** The guard of one resource method: lets a request through only when {@link AccessPolicy} says it may pass. */
final class AccessGuard implements ContainerRequestFilter {

    private final AccessPolicy policy;
    private final AccessPolicy.Access access;

    /** The servlet request being served (a per-request proxy): where the request came from. */
    @Context
    private HttpServletRequest servletRequest;

    AccessGuard(AccessPolicy policy, AccessPolicy.Access access) {
        this.policy = policy;
        this.access = access;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        AccessPolicy.Refusal refusal = policy.refusal(access, request.getHeaderString(HttpHeaders.AUTHORIZATION),
                fromLoopback());
        if (refusal != null) {
            // The body stays unread, so the connection cannot carry another request: say so to the client.
            var response = ErrorMapper.error(refusal.status(), refusal.message()).header("Connection", "close");
            if (refusal.status() == 401) {
                response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"gantry\"");
            }
            request.abortWith(response.build());
        }
    }

    private boolean fromLoopback() {
        String address = servletRequest == null ? null : servletRequest.getRemoteAddr();
        if (address == null || address.isEmpty()) {
            return false;
        }
        try {
            // A numeric address: no name lookup happens.
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
