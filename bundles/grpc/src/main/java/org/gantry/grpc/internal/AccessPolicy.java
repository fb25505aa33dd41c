package org.gantry.grpc.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.UnaryOperator;

import io.grpc.Status;

/**
 * Who may call which RPC, by the rules of the HTTP API (the REST bundle's {@code AccessPolicy}; the decision is
 * made again here because no bundle may depend on the REST bundle): open RPCs need nothing, inference RPCs the
 * inference token when one is set, and management RPCs the administrator token. Without an administrator token,
 * management is accepted from the loopback interface only, unless the operator opens it on purpose. Tokens come
 * from the environment first, as on HTTP, then from the configuration.
 */
final class AccessPolicy {

    static final String ADMIN_TOKEN_ENV = "GANTRY_ADMIN_TOKEN";
    static final String INFERENCE_TOKEN_ENV = "GANTRY_INFERENCE_TOKEN";

    /** Which token an RPC needs. */
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

    /** The policy the HTTP API applies: each token from its environment variable when set, else from the settings. */
    static AccessPolicy of(RestApiSettings settings, UnaryOperator<String> environment) {
        return new AccessPolicy(choose(environment.apply(ADMIN_TOKEN_ENV), settings._adminToken()),
                choose(environment.apply(INFERENCE_TOKEN_ENV), settings._inferenceToken()),
                settings.remoteManagementWithoutToken());
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

    /**
     * Why a call may not proceed, or null when it may: UNAUTHENTICATED asks for a token, PERMISSION_DENIED says no
     * token would do from where the call came.
     *
     * @param authorization the call's {@code authorization} metadata, or null
     * @param fromLoopback  whether the call came from the loopback interface
     */
    Status refusal(Access access, String authorization, boolean fromLoopback) {
        if (access == Access.OPEN) {
            return null;
        }
        byte[] presented = bearer(authorization);
        boolean admin = matches(adminToken, presented);
        boolean inference = inferenceToken == null || admin || matches(inferenceToken, presented);
        if (access == Access.MANAGEMENT) {
            if (adminToken != null) {
                return admin ? null
                        : Status.UNAUTHENTICATED.withDescription("this RPC changes the server and needs the"
                                + " administrator token: send metadata 'authorization: Bearer <token>' with the value"
                                + " of " + ADMIN_TOKEN_ENV);
            }
            if (!fromLoopback && !remoteManagementWithoutToken) {
                return Status.PERMISSION_DENIED.withDescription("this RPC changes the server; without an"
                        + " administrator token (" + ADMIN_TOKEN_ENV + ") it is accepted from the server's own"
                        + " machine (loopback) only");
            }
            // Management is never easier than inference: the inference token, when set, is needed here too.
        }
        return inference ? null
                : Status.UNAUTHENTICATED.withDescription("this RPC needs the inference token: send metadata"
                        + " 'authorization: Bearer <token>' with the value of " + INFERENCE_TOKEN_ENV);
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
