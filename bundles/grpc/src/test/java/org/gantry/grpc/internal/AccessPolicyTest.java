package org.gantry.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.Map;

import org.gantry.grpc.internal.AccessPolicy.Access;
import org.junit.jupiter.api.Test;

import io.grpc.Status;

/** The HTTP API's access rules (the REST bundle's AccessPolicyTest), as gRPC statuses. */
class AccessPolicyTest {

    private static final AccessPolicy BOTH_TOKENS = new AccessPolicy("admin-secret", "infer-secret", false);

    private static Status.Code code(Status refusal) {
        return refusal.getCode();
    }

    @Test
    void theInferenceTokenOrTheAdministratorTokenOpensInference() {
        assertNull(BOTH_TOKENS.refusal(Access.INFERENCE, "Bearer infer-secret", false));
        assertNull(BOTH_TOKENS.refusal(Access.INFERENCE, "bearer admin-secret", false));
        assertEquals(Status.Code.UNAUTHENTICATED, code(BOTH_TOKENS.refusal(Access.INFERENCE, null, true)));
        assertEquals(Status.Code.UNAUTHENTICATED,
                code(BOTH_TOKENS.refusal(Access.INFERENCE, "Bearer infer-secre", true)));
        assertEquals(Status.Code.UNAUTHENTICATED,
                code(BOTH_TOKENS.refusal(Access.INFERENCE, "Basic infer-secret", true)));
    }

    @Test
    void onlyTheAdministratorTokenOpensManagementWhereverTheCallComesFrom() {
        assertNull(BOTH_TOKENS.refusal(Access.MANAGEMENT, "Bearer admin-secret", false));
        assertEquals(Status.Code.UNAUTHENTICATED,
                code(BOTH_TOKENS.refusal(Access.MANAGEMENT, "Bearer infer-secret", true)));
        AccessPolicy adminOnly = new AccessPolicy("admin-secret", "", true);
        assertEquals(Status.Code.UNAUTHENTICATED, code(adminOnly.refusal(Access.MANAGEMENT, null, true)));
        assertNull(adminOnly.refusal(Access.INFERENCE, null, false));
    }

    @Test
    void withoutAnAdministratorTokenManagementIsForLoopbackOnlyUnlessOpenedOnPurpose() {
        AccessPolicy open = new AccessPolicy("", "", false);
        assertNull(open.refusal(Access.MANAGEMENT, null, true));
        assertEquals(Status.Code.PERMISSION_DENIED, code(open.refusal(Access.MANAGEMENT, null, false)));
        assertNull(new AccessPolicy("", "", true).refusal(Access.MANAGEMENT, null, false));
    }

    @Test
    void managementWithoutAnAdministratorTokenStillNeedsTheInferenceToken() {
        AccessPolicy inferenceOnly = new AccessPolicy("", "infer-secret", false);
        assertEquals(Status.Code.UNAUTHENTICATED, code(inferenceOnly.refusal(Access.MANAGEMENT, null, true)));
        assertNull(inferenceOnly.refusal(Access.MANAGEMENT, "Bearer infer-secret", true));
    }

    @Test
    void healthIsOpenWhateverTheTokens() {
        assertNull(BOTH_TOKENS.refusal(Access.OPEN, null, false));
    }

    @Test
    void tokensFromTheEnvironmentWinOverTheConfiguredOnesAsOnHttp() {
        RestApiSettings configured = TestConfigs.of(RestApiSettings.class,
                Map.of(".adminToken", "configured-admin", ".inferenceToken", "configured-inference"));
        AccessPolicy policy = AccessPolicy.of(configured,
                name -> name.equals(AccessPolicy.ADMIN_TOKEN_ENV) ? "environment-admin" : null);
        assertNull(policy.refusal(Access.MANAGEMENT, "Bearer environment-admin", false));
        assertEquals(Status.Code.UNAUTHENTICATED, code(policy.refusal(Access.MANAGEMENT, "Bearer configured-admin",
                false)));
        assertNull(policy.refusal(Access.INFERENCE, "Bearer configured-inference", false));
    }

    @Test
    void onlyLoopbackPeersCountAsTheServersOwnMachine() {
        assertTrue(AccessInterceptor.isLoopback(new InetSocketAddress("127.0.0.1", 1)));
        assertTrue(AccessInterceptor.isLoopback(new InetSocketAddress("::1", 1)));
        assertFalse(AccessInterceptor.isLoopback(new InetSocketAddress("192.0.2.7", 1)));
        assertFalse(AccessInterceptor.isLoopback(null));
    }
}
