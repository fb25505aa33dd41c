package org.gantry.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.gantry.protocol.access.Access;
import org.gantry.protocol.access.AccessPolicy;
import org.gantry.protocol.access.Refusal;
import org.junit.jupiter.api.Test;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

class EndpointAccessTest {

    private static final AccessPolicy BOTH_TOKENS = new AccessPolicy("admin-secret", "infer-secret", false);

    @Test
    void aMissingTokenIs401AndAManagementRequestFromAnotherMachineIs403WithTheirReasons() {
        Refusal noAdminToken = BOTH_TOKENS.refusal(Access.MANAGEMENT, null, true);
        Refusal noInferenceToken = BOTH_TOKENS.refusal(Access.INFERENCE, null, true);
        Refusal notFromHere = new AccessPolicy("", "", false).refusal(Access.MANAGEMENT, null, false);

        assertEquals(401, EndpointAccess.status(noAdminToken));
        assertEquals("this endpoint changes the server and needs the administrator token: send 'Authorization:"
                + " Bearer <token>' with the value of GANTRY_ADMIN_TOKEN", EndpointAccess.message(noAdminToken));
        assertEquals(401, EndpointAccess.status(noInferenceToken));
        assertEquals("this endpoint needs the inference token: send 'Authorization: Bearer <token>' with the value"
                + " of GANTRY_INFERENCE_TOKEN", EndpointAccess.message(noInferenceToken));
        assertEquals(403, EndpointAccess.status(notFromHere));
        assertEquals("this endpoint changes the server; without an administrator token (GANTRY_ADMIN_TOKEN) it is"
                + " accepted from the server's own machine (loopback) only", EndpointAccess.message(notFromHere));
    }

    @Test
    void onlyTheLoopbackInterfaceCountsAsThisMachine() {
        for (String loopback : new String[] { "127.0.0.1", "127.0.0.2", "::1", "0:0:0:0:0:0:0:1",
                "::ffff:127.0.0.1" }) {
            assertEquals(true, ClientAddressFilter.isLoopback(loopback), loopback);
        }
        for (String remote : new String[] { "10.0.0.7", "192.168.1.2", "fe80::1", "0.0.0.0", "" }) {
            assertEquals(false, ClientAddressFilter.isLoopback(remote), remote);
        }
        assertEquals(false, ClientAddressFilter.isLoopback(null));
    }

    /** The whole access table of the REST API: a new endpoint must be classified here on purpose. */
    @Test
    void everyEndpointHasTheAccessItsJobNeedsAndAnUnclassifiedOneIsManagement() throws Exception {
        Map<String, Access> expected = new TreeMap<>();
        for (String open : new String[] { "GET /v2/health/live", "GET /v2/health/ready", "GET /ping",
                "GET /openapi.json" }) {
            expected.put(open, Access.OPEN);
        }
        for (String management : new String[] { "POST /v2/repository/models/{model}/load",
                "POST /v2/repository/models/{model}/unload", "POST /models", "DELETE /models/{name}",
                "POST /v2/memory/models/{model}/pin", "POST /v2/memory/models/{model}/unpin", "POST /v2/drain" }) {
            expected.put(management, Access.MANAGEMENT);
        }
        Map<String, Access> actual = new TreeMap<>();
        for (Class<?> resource : new Class<?>[] { KServeResource.class, SageMakerResource.class,
                MemoryResource.class, OpenApiResource.class, DrainResource.class }) {
            collect(resource, resource.getAnnotation(Path.class).value(), actual);
        }
        Map<String, Access> notInference = actual.entrySet().stream()
                .filter(entry -> entry.getValue() != Access.INFERENCE)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
        assertEquals(expected, notInference);
        for (String model : new String[] { "/v2/models/{model}", "/v2/models/{model}/versions/{version}" }) {
            assertEquals(Access.INFERENCE, actual.get("POST " + model + "/infer"), model);
            assertEquals(Access.INFERENCE, actual.get("GET " + model + "/ready"), model);
        }
        assertEquals(Access.MANAGEMENT, EndpointAccess.of(Unclassified.class.getDeclaredMethod("change")));
    }

    private static String verb(Method method) {
        return Arrays.stream(new Class<?>[] { GET.class, POST.class, DELETE.class })
                .filter(annotation -> method
                        .isAnnotationPresent(annotation.asSubclass(java.lang.annotation.Annotation.class)))
                .map(Class::getSimpleName).findFirst().orElse(null);
    }

    /** The endpoints of a resource class below base, following sub-resource locators (methods with no verb). */
    private static void collect(Class<?> resource, String base, Map<String, Access> endpoints) {
        for (Method method : resource.getDeclaredMethods()) {
            String verb = verb(method);
            if (verb != null) {
                endpoints.put(verb + " " + path(base, method), EndpointAccess.of(method));
            } else if (method.isAnnotationPresent(Path.class)) {
                collect(method.getReturnType(), path(base, method), endpoints);
            }
        }
    }

    private static String path(String base, Method method) {
        Path sub = method.getAnnotation(Path.class);
        String joined = sub == null ? base : (base.endsWith("/") ? base : base + "/") + sub.value();
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }

    static final class Unclassified {
        @POST
        void change() {
        }
    }
}
