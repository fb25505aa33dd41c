package org.gantry.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;

import org.gantry.grpc.internal.AccessPolicy.Access;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.HealthGrpc;
import org.junit.jupiter.api.Test;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;

class AccessInterceptorTest {

    /** The whole access table of the gRPC API: a new RPC must be classified here on purpose, as on HTTP. */
    @Test
    void everyRpcHasTheAccessItsHttpTwinHasAndAnUnclassifiedOneIsManagement() {
        Map<String, Access> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("grpc.health.v1.Health/Check", Access.OPEN),
                Map.entry("grpc.health.v1.Health/Watch", Access.OPEN),
                Map.entry("inference.GRPCInferenceService/ServerLive", Access.OPEN),
                Map.entry("inference.GRPCInferenceService/ServerReady", Access.OPEN),
                Map.entry("inference.GRPCInferenceService/ModelReady", Access.INFERENCE),
                Map.entry("inference.GRPCInferenceService/ServerMetadata", Access.INFERENCE),
                Map.entry("inference.GRPCInferenceService/ModelMetadata", Access.INFERENCE),
                Map.entry("inference.GRPCInferenceService/ModelInfer", Access.INFERENCE),
                Map.entry("inference.GRPCInferenceService/ModelStreamInfer", Access.INFERENCE),
                Map.entry("inference.GRPCInferenceService/ModelConfig", Access.INFERENCE),
                Map.entry("inference.GRPCInferenceService/ModelStatistics", Access.INFERENCE),
                Map.entry("inference.GRPCInferenceService/RepositoryIndex", Access.INFERENCE),
                Map.entry("inference.GRPCInferenceService/RepositoryModelLoad", Access.MANAGEMENT),
                Map.entry("inference.GRPCInferenceService/RepositoryModelUnload", Access.MANAGEMENT)));
        Map<String, Access> actual = new TreeMap<>();
        for (ServiceDescriptor service : new ServiceDescriptor[] { GRPCInferenceServiceGrpc.getServiceDescriptor(),
                HealthGrpc.getServiceDescriptor() }) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                actual.put(method.getFullMethodName(), AccessInterceptor.accessOf(method.getFullMethodName()));
            }
        }
        assertEquals(expected, actual);
        assertEquals(Access.MANAGEMENT, AccessInterceptor.accessOf("inference.GRPCInferenceService/Trace"));
    }
}
