package org.gantry.rest.internal;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;

/**
 * Who may call which endpoint. An endpoint's access is read from its resource method's standard annotations,
 * after Jersey has matched the request, so no form of the path ({@code /}, {@code ;x=1}, {@code ;jsessionid=…})
 * can change it: {@link PermitAll} is open, {@code @RolesAllowed(INFERENCE)} needs the inference token, and
 * everything else, {@code @RolesAllowed(ADMIN)} or no annotation at all, is management and needs the
 * administrator token. Without an administrator token, management is accepted from the loopback interface only,
 * unless the operator opens it on purpose (SageMaker's agent calls {@code /models} from outside the container).
 */
final class AccessPolicy {

    /** The role of endpoints that read models or run inferences. */
    static final String INFERENCE = "gantry.inference";
    /** The role of endpoints that change the server: load, unload, add, remove, pin. */
    static final String ADMIN = "gantry.admin";

    static final String ADMIN_TOKEN_ENV = "GANTRY_ADMIN_TOKEN";
    static final String INFERENCE_TOKEN_ENV = "GANTRY_INFERENCE_TOKEN";

    /** Why a request may not pass: 401 asks for a token, 403 says no token would do from where it came. */
    record Refusal(int status, String message) {
    }

    /** Which token an endpoint needs. */
    enum Access {
        OPEN, INFERENCE, MANAGEMENT
    }

    private final byte[] adminToken;
    private final byte[] inferenceToken;
    private final boolean remoteManagementWithoutToken;

    AccessPolicy(String adminToken, String inferenceToken, boolean remoteManagementWithoutToken) {
        this.adminToken = bytes(adminToken);
        this.inferenceToken = bytes(inferenceToken);
        this.remoteManagementWithoutToken = remoteManagementWithoutToken;
    }

    /** The policy the configuration and the environment give (the environment's tokens take precedence). */
    static AccessPolicy configured(RestConfig config) {
        return new AccessPolicy(choose(System.getenv(ADMIN_TOKEN_ENV), config._adminToken()),
                choose(System.getenv(INFERENCE_TOKEN_ENV), config._inferenceToken()),
                config.remoteManagementWithoutToken());
    }

    private static String choose(String fromEnvironment, String configured) {
        return fromEnvironment != null && !fromEnvironment.isEmpty() ? fromEnvironment : configured;
    }

    boolean hasAdminToken() {
        return adminToken != null;
    }

    boolean hasInferenceToken() {
        return inferenceToken != null;
    }

    boolean remoteManagementWithoutToken() {
        return remoteManagementWithoutToken;
    }

    /** The access a resource method declares; a method that declares none is management, the strictest. */
    static Access of(Method method) {
        if (method.isAnnotationPresent(PermitAll.class)) {
            return Access.OPEN;
        }
        RolesAllowed roles = method.getAnnotation(RolesAllowed.class);
        if (roles != null && Arrays.asList(roles.value()).equals(List.of(INFERENCE))) {
            return Access.INFERENCE;
        }
        return Access.MANAGEMENT;
    }

    /**
     * Why a request may not pass, or null when it may.
     *
     * @param authorization the request's Authorization header, or null
     * @param fromLoopback whether the request came from the loopback interface
     */
    Refusal refusal(Access access, String authorization, boolean fromLoopback) {
        if (access == Access.OPEN) {
            return null;
        }
        byte[] presented = bearer(authorization);
        boolean admin = matches(adminToken, presented);
        boolean inference = inferenceToken == null || admin || matches(inferenceToken, presented);
        if (access == Access.MANAGEMENT) {
            if (adminToken != null) {
                return admin ? null
                        : new Refusal(401, "this endpoint changes the server and needs the administrator token:"
                                + " send 'Authorization: Bearer <token>' with the value of " + ADMIN_TOKEN_ENV);
            }
            if (!fromLoopback && !remoteManagementWithoutToken) {
                return new Refusal(403, "this endpoint changes the server; without an administrator token ("
                        + ADMIN_TOKEN_ENV + ") it is accepted from the server's own machine (loopback) only");
            }
            // Management is never easier than inference: the inference token, when set, is needed here too.
        }
        return inference ? null
                : new Refusal(401, "this endpoint needs the inference token: send 'Authorization: Bearer <token>'"
                        + " with the value of " + INFERENCE_TOKEN_ENV);
    }

    private static boolean matches(byte[] expected, byte[] presented) {
        return expected != null && presented != null && MessageDigest.isEqual(expected, presented);
    }

    private static byte[] bytes(String token) {
        return token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    }
}
