package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.gantry.e2e.KarafServer.Reply;
import org.junit.jupiter.api.Test;

/**
 * Graceful drain of the built distribution, the way nodes leave a cluster: SIGTERM (what Kubernetes, SageMaker and
 * {@code bin/stop} send), {@code POST /v2/drain} and {@code gantry:drain} each turn readiness to 503 at once, refuse
 * new requests with 503 and {@code Retry-After}, let the requests in flight finish, then the process exits.
 */
class DrainTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("gantry.examples"));
    private static final String INFER = "/v2/models/simple_linear/infer";
    private static final String REQUEST = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP32\","
            + "\"data\":[1,2,3]}]}";

    @Test
    void sigtermRefusesNewRequestsFinishesThoseInFlightThenExits() throws Exception {
        try (KarafServer server = start("sigterm")) {
            assertEquals(200, server.call("POST", INFER, REQUEST).status());
            String metrics = server.call("GET", "/metrics", null).body();
            assertTrue(metrics.contains("gantry_draining 0.0"), metrics);
            assertTrue(metrics.contains("gantry_requests_in_flight 0.0"), "a scrape is not a request in flight");
            try (Socket inFlight = beginRequest(server)) {
                long signalled = System.nanoTime();
                server.terminate();
                Reply ready = awaitStatus(server, "/v2/health/ready", 503, Duration.ofSeconds(5));
                assertTrue(System.nanoTime() - signalled < Duration.ofSeconds(3).toNanos(),
                        "readiness turned 503 only after " + (System.nanoTime() - signalled) / 1_000_000 + " ms");
                assertEquals("{\"ready\":false}", ready.body());
                assertEquals(200, server.call("GET", "/v2/health/live", null).status(), "alive while draining");
                assertDrainRefusal(server.call("POST", INFER, REQUEST));
                metrics = server.call("GET", "/metrics", null).body();
                assertTrue(metrics.contains("gantry_draining 1.0"), "scrapes still answer, and see the drain");
                assertTrue(metrics.contains("gantry_requests_in_flight 1.0"), metrics);

                String answer = finishRequest(inFlight);
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                assertTrue(answer.contains("\"data\":[8.0,2.0]"), answer);
            }
            assertNotNull(server.awaitExit(Duration.ofMinutes(1)), "the process exits once drained");
            assertTrue(server.log().contains("Drained (every request answered)"), "karaf.log says how the drain ended");
        }
    }

    @Test
    void postDrainAnswersAtOnceThenTheServerDrainsAndStops() throws Exception {
        try (KarafServer server = start("admin")) {
            try (Socket inFlight = beginRequest(server)) {
                Reply accepted = server.call("POST", "/v2/drain", null);
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
        try (KarafServer server = start("console")) {
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
        Socket socket = new Socket("127.0.0.1", server.port());
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
        assertEquals("1", reply.header("Retry-After"));
        assertTrue(reply.body().contains("draining"), reply.body());
    }

    private static KarafServer start(String name) throws IOException {
        Path work = Files.createDirectories(Path.of(System.getProperty("gantry.e2e.work"), "drain-" + name));
        return KarafServer.start(Path.of(System.getProperty("gantry.distribution")), work, EXAMPLES);
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
