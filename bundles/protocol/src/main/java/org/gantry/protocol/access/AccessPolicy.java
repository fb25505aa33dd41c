package org.gantry.protocol.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The tokens a server was given and the decision they make: open operations need nothing, inference the inference
 * token when one is set (the administrator token opens it too), and management the administrator token. Without an
 * administrator token, management is accepted from the loopback interface only, unless the operator opens it on
 * purpose (SageMaker's agent calls {@code /models} from outside the container); it still needs the inference token
 * when one is set, as management is never easier than inference. Tokens are compared in constant time.
 */
public final class AccessPolicy {

    /** The environment variable whose administrator token wins over the configured one. */
    public static final String ADMIN_TOKEN_ENV = "GANTRY_ADMIN_TOKEN";
    /** The environment variable whose inference token wins over the configured one. */
    public static final String INFERENCE_TOKEN_ENV = "GANTRY_INFERENCE_TOKEN";

    private final byte[] adminToken;
    private final byte[] inferenceToken;
    private final boolean remoteManagementWithoutToken;

    /**
     * A policy over these tokens; a null or empty token is not set.
     *
     * @param remoteManagementWithoutToken whether management without an administrator token is accepted from every
     *                                     address, not only from loopback
     */
    public AccessPolicy(String adminToken, String inferenceToken, boolean remoteManagementWithoutToken) {
        this.adminToken = bytes(adminToken);
        this.inferenceToken = bytes(inferenceToken);
        this.remoteManagementWithoutToken = remoteManagementWithoutToken;
    }

    /**
     * The policy a front end's configuration gives, each token from its environment variable when that is set and
     * not empty, else the configured one.
     *
     * @param environment reads an environment variable ({@code System::getenv}), null when it is not set
     */
    public static AccessPolicy configured(String adminToken, String inferenceToken,
            boolean remoteManagementWithoutToken, UnaryOperator<String> environment) {
        return new AccessPolicy(choose(environment.apply(ADMIN_TOKEN_ENV), adminToken),
                choose(environment.apply(INFERENCE_TOKEN_ENV), inferenceToken), remoteManagementWithoutToken);
    }

    private static String choose(String fromEnvironment, String configured) {
        return fromEnvironment != null && !fromEnvironment.isEmpty() ? fromEnvironment : configured;
    }

    public boolean hasAdminToken() {
        return adminToken != null;
    }

    public boolean hasInferenceToken() {
        return inferenceToken != null;
    }

    public boolean remoteManagementWithoutToken() {
        return remoteManagementWithoutToken;
    }

    /**
     * Why a call may not proceed, or null when it may.
     *
     * @param authorization the call's {@code Authorization} header or metadata, or null
     * @param fromLoopback  whether the call came from the loopback interface
     */
    public Refusal refusal(Access access, String authorization, boolean fromLoopback) {
        if (access == Access.OPEN) {
            return null;
        }
        byte[] presented = bearer(authorization);
        boolean admin = matches(adminToken, presented);
        boolean inference = inferenceToken == null || admin || matches(inferenceToken, presented);
        if (access == Access.MANAGEMENT) {
            if (adminToken != null) {
                return admin ? null : Refusal.ADMINISTRATOR_TOKEN_NEEDED;
            }
            if (!fromLoopback && !remoteManagementWithoutToken) {
                return Refusal.LOOPBACK_ONLY;
            }
            // Management is never easier than inference: the inference token, when set, is needed here too.
        }
        return inference ? null : Refusal.INFERENCE_TOKEN_NEEDED;
    }

    /**
     * A line an operator should read at start, so that who may manage the server is never learnt from an incident.
     *
     * @param warning whether it says that management is open to every address
     * @param message the line
     */
    public record Notice(boolean warning, String message) {
    }

    /**
     * What this policy means for one front end: who may manage it and, when no inference token is set, that
     * inference is open.
     *
     * @param management what management is on this front end, as a sentence's subject: "gRPC management (...)"
     * @param inference  what inference is on this front end, e.g. "gRPC inference and model information"
     */
    public List<Notice> notices(String management, String inference) {
        List<Notice> notices = new ArrayList<>();
        if (adminToken != null) {
            notices.add(new Notice(false, management + " needs the administrator token (" + ADMIN_TOKEN_ENV + ")"));
        } else if (remoteManagementWithoutToken) {
            notices.add(new Notice(true, management + " is open to every address without a token: set "
                    + ADMIN_TOKEN_ENV + " to protect it"));
        } else {
            notices.add(new Notice(false, "No administrator token (" + ADMIN_TOKEN_ENV + "): " + management
                    + " accepts calls from loopback only"));
        }
        if (inferenceToken == null) {
            notices.add(new Notice(false, "No inference token (" + INFERENCE_TOKEN_ENV + "): " + inference
                    + " is open to every client"));
        }
        return notices;
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
