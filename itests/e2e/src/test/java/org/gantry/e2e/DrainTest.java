package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.gantry.e2e.KarafServer.Reply;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.ModelStreamInferResponse;
import org.gantry.grpc.proto.GrpcService.ServerReadyRequest;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * Graceful drain of the built distribution, the way nodes leave a cluster: SIGTERM (what Kubernetes, SageMaker and
 * {@code bin/stop} send), {@code POST /v2/drain} and {@code gantry:drain} each turn readiness to 503 at once, refuse
 * new requests with 503 and {@code Retry-After} (gRPC calls with UNAVAILABLE), let the requests and gRPC calls in
 * flight finish, then the process exits. {@code POST /v2/drain} is management: it needs the administrator token.
 */
class DrainTest {

    private static final String INFER = "/v2/models/simple_linear/infer";
    private static final String REQUEST = E2eRequests.SIMPLE_LINEAR;
    private static final String ADMIN_TOKEN = "drain-test-admin-token";

    @Test
    void sigtermRefusesNewRequestsFinishesThoseInFlightThenExits() throws Exception {
        try (KarafServer server = start("sigterm", Map.of())) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.ports().grpc()).usePlaintext()
                    .build();
            try {
                assertEquals(200, server.call("POST", INFER, REQUEST).status());
                String metrics = server.call("GET", "/metrics", null).body();
                assertTrue(metrics.contains("gantry_draining 0.0"), metrics);
                assertTrue(metrics.contains("gantry_requests_in_flight 0.0"), "a scrape is not a request in flight");
                StreamCall stream = new StreamCall(GRPCInferenceServiceGrpc.newStub(channel));
                try (Socket inFlight = beginRequest(server)) {
                    awaitInFlight(server, 2); // the HTTP request and the gRPC call
                    long signalled = System.nanoTime();
                    server.terminate();
                    Reply ready = awaitStatus(server, "/v2/health/ready", 503, Duration.ofSeconds(5));
                    assertTrue(System.nanoTime() - signalled < Duration.ofSeconds(3).toNanos(),
                            "readiness turned 503 only after " + (System.nanoTime() - signalled) / 1_000_000 + " ms");
                    assertEquals("{\"ready\":false}", ready.body());
                    assertEquals(200, server.call("GET", "/v2/health/live", null).status(), "alive while draining");
                    assertDrainRefusal(server.call("POST", INFER, REQUEST));
                    assertGrpcRefusesNewCalls(channel);
                    metrics = server.call("GET", "/metrics", null).body();
                    assertTrue(metrics.contains("gantry_draining 1.0"), "scrapes still answer, and see the drain");
                    assertTrue(metrics.contains("gantry_requests_in_flight 2.0"), metrics);

                    String answer = finishRequest(inFlight);
                    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                    assertTrue(answer.contains("\"data\":[8.0,2.0]"), answer);
                    assertArrayEquals(new float[] { 8, 2 }, finish(stream), "the gRPC call in flight is answered");
                }
                assertNotNull(server.awaitExit(Duration.ofMinutes(1)), "the process exits once drained");
                assertTrue(server.log().contains("Drained (every request answered)"),
                        "karaf.log says how the drain ended");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void postDrainNeedsTheAdministratorTokenAnswersAtOnceThenTheServerDrainsAndStops() throws Exception {
        try (KarafServer server = start("admin", Map.of("GANTRY_ADMIN_TOKEN", ADMIN_TOKEN))) {
            Reply refused = server.exchange("POST", "/v2/drain", null, Map.of());
            assertEquals(401, refused.status(), refused.body());
            assertTrue(refused.contentType().startsWith("application/json"), refused.contentType());
            assertTrue(refused.body().contains("administrator token"), refused.body());
            refused = server.exchange("POST", "/v2/drain", null, Map.of("Authorization", "Bearer not-the-token"));
            assertEquals(401, refused.status(), refused.body());
            assertEquals(200, server.call("GET", "/v2/health/ready", null).status(), "a refused drain drains nothing");
            try (Socket inFlight = beginRequest(server)) {
                Reply accepted = server.exchange("POST", "/v2/drain", null,
                        E2eRequests.bearer(ADMIN_TOKEN));
                assertEquals(202, accepted.status(), accepted.body());
                assertEquals("{\"draining\":true,\"in_flight\":1,\"timeout_seconds\":20}", accepted.body());
                assertEquals(503, server.call("GET", "/v2/health/ready", null).status());
                assertDrainRefusal(server.call("POST", INFER, REQUEST));
                assertTrue(finishRequest(inFlight).startsWith("HTTP/1.1 200"));
            }
            assertNotNull(server.awaitExit(Duration.ofMinutes(1)), "the process exits once drained");
        }
    }

    @Test
    void theConsoleCommandDrainsThenStopsTheServer() throws Exception {
        try (KarafServer server = start("console", Map.of())) {
            try (Socket inFlight = beginRequest(server)) {
                String output = server.console("gantry:drain");
                assertTrue(output.contains("Draining: 1 requests in flight"), output);
                assertEquals(503, server.call("GET", "/v2/health/ready", null).status());
                assertDrainRefusal(server.call("POST", INFER, REQUEST));
                assertTrue(finishRequest(inFlight).startsWith("HTTP/1.1 200"));
            }
            assertNotNull(server.awaitExit(Duration.ofMinutes(1)), "the process exits once drained");
        }
    }

    /** Sends a request's head and half its body: the server has admitted it and waits for the rest. */
    private static Socket beginRequest(KarafServer server) throws IOException, InterruptedException {
        Socket socket = new Socket("127.0.0.1", server.ports().http());
        socket.setSoTimeout(60_000);
        byte[] body = REQUEST.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + INFER + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, 0, body.length / 2);
        out.flush();
        Thread.sleep(500);
        return socket;
    }

    /** Sends the rest of the body and returns the response. */
    private static String finishRequest(Socket socket) throws IOException {
        byte[] body = REQUEST.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(body, body.length / 2, body.length - body.length / 2);
        socket.getOutputStream().flush();
        return readResponse(socket.getInputStream());
    }

    private static void assertDrainRefusal(Reply reply) {
        assertEquals(503, reply.status(), reply.body());
        assertTrue(reply.contentType().startsWith("application/json"), reply.contentType());
        assertEquals("1", reply.header("Retry-After"));
        assertTrue(reply.body().contains("draining"), reply.body());
    }

    /** After a drain has begun, gRPC's readiness says no and a new call ends with UNAVAILABLE, which clients retry. */
    private static void assertGrpcRefusesNewCalls(ManagedChannel channel) {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertFalse(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(infer()));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getMessage());
        assertTrue(refused.getStatus().getDescription().contains("draining"), refused.getMessage());
    }

    /** simple_linear's request over gRPC: [1, 2, 3] as raw FP32. */
    private static ModelInferRequest infer() {
        ByteBuffer raw = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3);
        return ModelInferRequest.newBuilder().setModelName("simple_linear")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT__0").setDatatype("FP32").addShape(1)
                        .addShape(3))
                .addRawInputContents(ByteString.copyFrom(raw.array())).build();
    }

    /** The output of the one answer of a streamed call that was in flight. */
    private static float[] finish(StreamCall call) throws Exception {
        List<ModelStreamInferResponse> responses = call.finish(infer());
        assertEquals(1, responses.size(), responses.toString());
        ModelStreamInferResponse response = responses.get(0);
        assertTrue(response.getErrorMessage().isEmpty(), response.getErrorMessage());
        ByteBuffer raw = response.getInferResponse().getRawOutputContents(0).asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] output = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(output);
        return output;
    }

    private static void awaitInFlight(KarafServer server, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String metrics = "";
        while (System.nanoTime() < deadline) {
            metrics = server.call("GET", "/metrics", null).body();
            if (metrics.contains("gantry_requests_in_flight " + count + ".0")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not " + count + " requests in flight: " + metrics);
    }

    private static KarafServer start(String name, Map<String, String> environment) throws IOException {
        return KarafServer.in("drain-" + name).environment(environment).start();
    }

    private static Reply awaitStatus(KarafServer server, String path, int status, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Reply reply = null;
        while (System.nanoTime() < deadline) {
            reply = server.call("GET", path, null);
            if (reply.status() == status) {
                return reply;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(path + " did not answer " + status + " within " + timeout + "; last: "
                + (reply == null ? "none" : reply.status() + " " + reply.body()));
    }

    /** Reads the response to the end: the request asked the server to close the connection after it. */
    private static String readResponse(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
}
