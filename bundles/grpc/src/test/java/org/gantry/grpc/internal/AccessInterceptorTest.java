package org.gantry.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.HealthGrpc;
import org.gantry.protocol.access.Access;
import org.gantry.protocol.access.AccessPolicy;
import org.gantry.protocol.access.Refusal;
import org.junit.jupiter.api.Test;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;

class AccessInterceptorTest {

    private static final String HEALTH = "grpc.health.v1.Health/";
    private static final String INFERENCE = "inference.GRPCInferenceService/";

    /** The whole access table of the gRPC API: a new RPC must be classified here on purpose, as on HTTP. */
    @Test
    void everyRpcHasTheAccessItsHttpTwinHasAndAnUnclassifiedOneIsManagement() {
        Map<Access, List<String>> rpcsByAccess = Map.of(
                Access.OPEN,
                List.of(HEALTH + "Check", HEALTH + "Watch", INFERENCE + "ServerLive", INFERENCE + "ServerReady"),
                Access.INFERENCE,
                Stream.of("ModelReady", "ServerMetadata", "ModelMetadata", "ModelInfer", "ModelStreamInfer",
                        "ModelConfig", "ModelStatistics", "RepositoryIndex").map(INFERENCE::concat).toList(),
                Access.MANAGEMENT, List.of(INFERENCE + "RepositoryModelLoad", INFERENCE + "RepositoryModelUnload"));
        Map<String, Access> expected = new TreeMap<>();
        rpcsByAccess.forEach((access, rpcs) -> rpcs.forEach(rpc -> expected.put(rpc, access)));
        Map<String, Access> actual = new TreeMap<>();
        for (ServiceDescriptor service : new ServiceDescriptor[] { GRPCInferenceServiceGrpc.getServiceDescriptor(),
                HealthGrpc.getServiceDescriptor() }) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                actual.put(method.getFullMethodName(), AccessInterceptor.accessOf(method.getFullMethodName()));
            }
        }
        assertEquals(expected, actual);
        assertEquals(Access.MANAGEMENT, AccessInterceptor.accessOf(INFERENCE + "Trace"));
    }

    @Test
    void aMissingTokenIsUnauthenticatedAndManagementFromAnotherMachineIsDeniedWithTheHttpApisReasons() {
        AccessPolicy bothTokens = new AccessPolicy("admin-secret", "infer-secret", false);
        Status noAdminToken = AccessInterceptor.status(bothTokens.refusal(Access.MANAGEMENT, null, true));
        Status noInferenceToken = AccessInterceptor.status(bothTokens.refusal(Access.INFERENCE, null, true));
        Status notFromHere = AccessInterceptor.status(Refusal.LOOPBACK_ONLY);

        assertEquals(Status.Code.UNAUTHENTICATED, noAdminToken.getCode());
        assertEquals("this RPC changes the server and needs the administrator token: send metadata 'authorization:"
                + " Bearer <token>' with the value of GANTRY_ADMIN_TOKEN", noAdminToken.getDescription());
        assertEquals(Status.Code.UNAUTHENTICATED, noInferenceToken.getCode());
        assertEquals("this RPC needs the inference token: send metadata 'authorization: Bearer <token>' with the"
                + " value of GANTRY_INFERENCE_TOKEN", noInferenceToken.getDescription());
        assertEquals(Status.Code.PERMISSION_DENIED, notFromHere.getCode());
        assertEquals("this RPC changes the server; without an administrator token (GANTRY_ADMIN_TOKEN) it is accepted"
                + " from the server's own machine (loopback) only", notFromHere.getDescription());
    }

    @Test
    void onlyLoopbackPeersCountAsTheServersOwnMachine() {
        assertTrue(AccessInterceptor.isLoopback(new InetSocketAddress("127.0.0.1", 1)));
        assertTrue(AccessInterceptor.isLoopback(new InetSocketAddress("::1", 1)));
        assertFalse(AccessInterceptor.isLoopback(new InetSocketAddress("192.0.2.7", 1)));
        assertFalse(AccessInterceptor.isLoopback(null));
    }
}
