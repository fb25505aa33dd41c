package org.gantry.protocol.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The whole decision, for HTTP and gRPC alike: every operation's access, with no token, the inference token, the
 * administrator token or a wrong one, from loopback and from another machine, on servers with either token, both
 * or none, with remote management opened or not.
 */
class AccessPolicyTest {

    private static final String ADMIN = "admin-secret";
    private static final String INFERENCE = "infer-secret";
    private static final String NO_TOKEN = null;
    private static final String INFERENCE_TOKEN = "Bearer " + INFERENCE;
    private static final String ADMIN_TOKEN = "Bearer " + ADMIN;
    private static final String WRONG_TOKEN = "Bearer not-a-secret";
    private static final List<String> EVERY_TOKEN = Arrays.asList(NO_TOKEN, INFERENCE_TOKEN, ADMIN_TOKEN, WRONG_TOKEN);
    private static final boolean[] EVERY_ORIGIN = { true, false };

    /** A server with these tokens ("" for none), once as configured and once with remote management opened. */
    private static List<AccessPolicy> servers(String adminToken, String inferenceToken) {
        return List.of(new AccessPolicy(adminToken, inferenceToken, false),
                new AccessPolicy(adminToken, inferenceToken, true));
    }

    private static List<AccessPolicy> everyServer() {
        return List.of(servers(ADMIN, INFERENCE), servers(ADMIN, ""), servers("", INFERENCE), servers("", ""))
                .stream().flatMap(List::stream).toList();
    }

    private static String describe(AccessPolicy server, String token, boolean fromLoopback) {
        return "admin token " + server.hasAdminToken() + ", inference token " + server.hasInferenceToken()
                + ", remote management " + server.remoteManagementWithoutToken() + ", presented " + token
                + (fromLoopback ? ", from loopback" : ", from another machine");
    }

    @Test
    void openOperationsPassWhateverTheServerTheTokenAndTheOrigin() {
        for (AccessPolicy server : everyServer()) {
            for (String token : EVERY_TOKEN) {
                for (boolean fromLoopback : EVERY_ORIGIN) {
                    assertNull(server.refusal(Access.OPEN, token, fromLoopback), describe(server, token, fromLoopback));
                }
            }
        }
    }

    @Test
    void withoutAnInferenceTokenInferenceIsOpenToEveryCallerFromEveryAddress() {
        for (AccessPolicy server : List.of(servers(ADMIN, ""), servers("", "")).stream().flatMap(List::stream)
                .toList()) {
            for (String token : EVERY_TOKEN) {
                for (boolean fromLoopback : EVERY_ORIGIN) {
                    assertNull(server.refusal(Access.INFERENCE, token, fromLoopback),
                            describe(server, token, fromLoopback));
                }
            }
        }
    }

    @Test
    void withAnInferenceTokenInferenceNeedsItOrTheAdministratorTokenFromEveryAddress() {
        for (AccessPolicy server : servers(ADMIN, INFERENCE)) {
            for (boolean fromLoopback : EVERY_ORIGIN) {
                String context = describe(server, "each token", fromLoopback);
                assertNull(server.refusal(Access.INFERENCE, INFERENCE_TOKEN, fromLoopback), context);
                assertNull(server.refusal(Access.INFERENCE, ADMIN_TOKEN, fromLoopback), context);
                assertEquals(Refusal.INFERENCE_TOKEN_NEEDED, server.refusal(Access.INFERENCE, NO_TOKEN, fromLoopback),
                        context);
                assertEquals(Refusal.INFERENCE_TOKEN_NEEDED,
                        server.refusal(Access.INFERENCE, WRONG_TOKEN, fromLoopback), context);
            }
        }
        for (AccessPolicy server : servers("", INFERENCE)) {
            for (boolean fromLoopback : EVERY_ORIGIN) {
                String context = describe(server, "each token", fromLoopback);
                assertNull(server.refusal(Access.INFERENCE, INFERENCE_TOKEN, fromLoopback), context);
                // No administrator token is set, so the string that would be one is just a wrong token.
                assertEquals(Refusal.INFERENCE_TOKEN_NEEDED,
                        server.refusal(Access.INFERENCE, ADMIN_TOKEN, fromLoopback), context);
                assertEquals(Refusal.INFERENCE_TOKEN_NEEDED, server.refusal(Access.INFERENCE, NO_TOKEN, fromLoopback),
                        context);
            }
        }
    }

    @Test
    void withAnAdministratorTokenOnlyItOpensManagementWhereverTheCallComesFromAndWhateverIsOpened() {
        for (AccessPolicy server : List.of(servers(ADMIN, INFERENCE), servers(ADMIN, "")).stream()
                .flatMap(List::stream).toList()) {
            for (boolean fromLoopback : EVERY_ORIGIN) {
                String context = describe(server, "each token", fromLoopback);
                assertNull(server.refusal(Access.MANAGEMENT, ADMIN_TOKEN, fromLoopback), context);
                for (String token : Arrays.asList(NO_TOKEN, INFERENCE_TOKEN, WRONG_TOKEN)) {
                    assertEquals(Refusal.ADMINISTRATOR_TOKEN_NEEDED,
                            server.refusal(Access.MANAGEMENT, token, fromLoopback), describe(server, token,
                                    fromLoopback));
                }
            }
        }
    }

    @Test
    void withoutAnAdministratorTokenManagementFromAnotherMachineIsRefusedWhateverTheTokenUnlessOpenedOnPurpose() {
        for (String inferenceToken : List.of(INFERENCE, "")) {
            AccessPolicy closed = new AccessPolicy("", inferenceToken, false);
            AccessPolicy opened = new AccessPolicy("", inferenceToken, true);
            for (String token : EVERY_TOKEN) {
                assertEquals(Refusal.LOOPBACK_ONLY, closed.refusal(Access.MANAGEMENT, token, false),
                        describe(closed, token, false));
                assertEquals(closed.refusal(Access.INFERENCE, token, true), closed.refusal(Access.MANAGEMENT, token,
                        true), describe(closed, token, true));
                assertEquals(opened.refusal(Access.INFERENCE, token, false), opened.refusal(Access.MANAGEMENT, token,
                        false), describe(opened, token, false));
            }
        }
    }

    @Test
    void managementWithoutAnAdministratorTokenIsNeverEasierThanInference() {
        AccessPolicy inferenceOnly = new AccessPolicy("", INFERENCE, true);
        for (boolean fromLoopback : EVERY_ORIGIN) {
            assertEquals(Refusal.INFERENCE_TOKEN_NEEDED, inferenceOnly.refusal(Access.MANAGEMENT, NO_TOKEN,
                    fromLoopback));
            assertNull(inferenceOnly.refusal(Access.MANAGEMENT, INFERENCE_TOKEN, fromLoopback));
        }
        AccessPolicy nothingSet = new AccessPolicy("", "", false);
        assertNull(nothingSet.refusal(Access.MANAGEMENT, NO_TOKEN, true));
    }

    @Test
    void aBearerTokenMustMatchExactlyWhateverTheSchemesCase() {
        AccessPolicy server = new AccessPolicy(ADMIN, INFERENCE, false);
        assertNull(server.refusal(Access.INFERENCE, "bearer " + INFERENCE, false));
        assertNull(server.refusal(Access.INFERENCE, "BEARER   " + INFERENCE + " ", false));
        for (String wrong : new String[] { "Bearer infer-secre", "Bearer infer-secrets", "Basic " + INFERENCE,
                INFERENCE, "Bearer", "" }) {
            assertEquals(Refusal.INFERENCE_TOKEN_NEEDED, server.refusal(Access.INFERENCE, wrong, false), wrong);
        }
    }

    @Test
    void anEmptyOrMissingTokenIsNoTokenAtAll() {
        for (AccessPolicy server : List.of(new AccessPolicy("", "", false), new AccessPolicy(null, null, false))) {
            assertFalse(server.hasAdminToken());
            assertFalse(server.hasInferenceToken());
            assertNull(server.refusal(Access.INFERENCE, "Bearer ", false));
        }
    }

    @Test
    void tokensFromTheEnvironmentWinOverTheConfiguredOnesUnlessEmpty() {
        Map<String, String> environment = Map.of(AccessPolicy.ADMIN_TOKEN_ENV, "environment-admin",
                AccessPolicy.INFERENCE_TOKEN_ENV, "");
        AccessPolicy policy = AccessPolicy.configured("configured-admin", "configured-inference", false,
                environment::get);

        assertNull(policy.refusal(Access.MANAGEMENT, "Bearer environment-admin", false));
        assertEquals(Refusal.ADMINISTRATOR_TOKEN_NEEDED, policy.refusal(Access.MANAGEMENT, "Bearer configured-admin",
                false));
        assertNull(policy.refusal(Access.INFERENCE, "Bearer configured-inference", false));
        assertTrue(AccessPolicy.configured("", "", true, name -> null).remoteManagementWithoutToken());
    }

    @Test
    void aMissingTokenCanBeSentButNoTokenHelpsAManagementCallFromAnotherMachine() {
        assertTrue(Refusal.ADMINISTRATOR_TOKEN_NEEDED.needsToken());
        assertTrue(Refusal.INFERENCE_TOKEN_NEEDED.needsToken());
        assertFalse(Refusal.LOOPBACK_ONLY.needsToken());
    }

    @Test
    void eachFrontEndNamesWhatWasCalledAndHowATokenIsSentInTheSameReason() {
        assertEquals("this call changes the server and needs the administrator token: send a header with the value"
                + " of GANTRY_ADMIN_TOKEN", Refusal.ADMINISTRATOR_TOKEN_NEEDED.message("call", "a header"));
        assertEquals("this call needs the inference token: send a header with the value of GANTRY_INFERENCE_TOKEN",
                Refusal.INFERENCE_TOKEN_NEEDED.message("call", "a header"));
        assertEquals("this call changes the server; without an administrator token (GANTRY_ADMIN_TOKEN) it is"
                + " accepted from the server's own machine (loopback) only",
                Refusal.LOOPBACK_ONLY.message("call", "a header"));
    }

    @Test
    void atStartAnOperatorIsToldWhoMayManageAndWarnedOnlyWhenManagementIsOpenToEveryAddress() {
        AccessPolicy.Notice tokenNeeded = new AccessPolicy("admin", "infer", false).notices("M", "I").get(0);
        List<AccessPolicy.Notice> open = new AccessPolicy("", "", true).notices("M", "I");
        List<AccessPolicy.Notice> loopback = new AccessPolicy("", "infer", false).notices("M", "I");

        assertEquals(new AccessPolicy.Notice(false, "M needs the administrator token (GANTRY_ADMIN_TOKEN)"),
                tokenNeeded);
        assertEquals(List.of(new AccessPolicy.Notice(true, "M is open to every address without a token: set"
                + " GANTRY_ADMIN_TOKEN to protect it"), new AccessPolicy.Notice(false,
                        "No inference token"
                                + " (GANTRY_INFERENCE_TOKEN): I is open to every client")),
                open);
        assertEquals(List.of(new AccessPolicy.Notice(false, "No administrator token (GANTRY_ADMIN_TOKEN): M accepts"
                + " calls from loopback only")), loopback);
    }
}
