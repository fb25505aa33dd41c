package org.gantry.rest.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.metatype.annotations.Designate;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * Bearer tokens, as operators expect from a model server on a shared network: management endpoints need the
 * administrator token when one is set, every other endpoint but health checks and metrics needs the inference
 * (or administrator) token when one is set. A refused request changes nothing: it never reaches a resource.
 */
@Component(service = ContainerRequestFilter.class, configurationPid = RestConfig.PID)
@Designate(ocd = RestConfig.class)
@JakartarsExtension
@JakartarsName(AccessControl.NAME)
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class AccessControl implements ContainerRequestFilter {

    static final String NAME = "gantry.access";
    static final String ADMIN_TOKEN_ENV = "GANTRY_ADMIN_TOKEN";
    static final String INFERENCE_TOKEN_ENV = "GANTRY_INFERENCE_TOKEN";

    /** Liveness, readiness, scraping and the API description stay open: probes and tools carry no tokens. */
    private static final Pattern OPEN = Pattern.compile("GET (v2/health/(live|ready)|ping|metrics|openapi\\.json)");
    private static final Pattern MANAGEMENT = Pattern.compile(
            "POST (v2/repository/models/[^/]+/(load|unload)|models|v2/memory/models/[^/]+/(pin|unpin))"
                    + "|DELETE models/[^/]+");

    /** Which token an endpoint needs. */
    enum Access {
        OPEN, INFERENCE, MANAGEMENT
    }

    private final byte[] adminToken;
    private final byte[] inferenceToken;

    @Activate
    public AccessControl(RestConfig config) {
        this(choose(System.getenv(ADMIN_TOKEN_ENV), config._adminToken()),
                choose(System.getenv(INFERENCE_TOKEN_ENV), config._inferenceToken()));
    }

    AccessControl(String adminToken, String inferenceToken) {
        this.adminToken = bytes(adminToken);
        this.inferenceToken = bytes(inferenceToken);
    }

    private static String choose(String fromEnvironment, String configured) {
        return fromEnvironment != null && !fromEnvironment.isEmpty() ? fromEnvironment : configured;
    }

    private static byte[] bytes(String token) {
        return token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    static Access classify(String method, String path) {
        String request = method + " " + (path.startsWith("/") ? path.substring(1) : path);
        if (OPEN.matcher(request).matches()) {
            return Access.OPEN;
        }
        return MANAGEMENT.matcher(request).matches() ? Access.MANAGEMENT : Access.INFERENCE;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Access access = classify(request.getMethod(), request.getUriInfo().getPath());
        String refusal = refusal(access, request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (refusal != null) {
            // The body stays unread, so the connection cannot carry another request: say so to the client.
            request.abortWith(ErrorMapper.error(401, refusal).header(HttpHeaders.WWW_AUTHENTICATE,
                    "Bearer realm=\"gantry\"").header("Connection", "close").build());
        }
    }

    /** Why a request with that Authorization header may not pass, or null when it may. */
    String refusal(Access access, String authorization) {
        if (access == Access.OPEN) {
            return null;
        }
        byte[] presented = bearer(authorization);
        boolean admin = adminToken != null && presented != null && MessageDigest.isEqual(adminToken, presented);
        if (access == Access.MANAGEMENT) {
            return adminToken == null || admin ? null
                    : "this endpoint changes the server and needs the administrator token: send 'Authorization:"
                            + " Bearer <token>' with the value of " + ADMIN_TOKEN_ENV;
        }
        if (inferenceToken == null || admin || presented != null && MessageDigest.isEqual(inferenceToken, presented)) {
            return null;
        }
        return "this endpoint needs the inference token: send 'Authorization: Bearer <token>' with the value of "
                + INFERENCE_TOKEN_ENV;
    }

    private static byte[] bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    }
}
