package org.gantry.e2e;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy running deploy/haproxy/haproxy.cfg unchanged, with the addresses it takes from the environment, and its
 * runtime API (the stats socket) for joins and for reading what its health checks decided.
 *
 * @param process  {@code haproxy -db}, in the foreground
 * @param socket   the runtime API's Unix socket
 * @param port     the HTTP frontend
 * @param grpcPort the gRPC frontend (HTTP/2 cleartext)
 */
record HaProxy(Process process, Path socket, int port, int grpcPort) implements AutoCloseable {

    /**
     * @param nodes     the HTTP addresses of GANTRY_NODE1..4
     * @param grpcNodes their gRPC addresses, GANTRY_NODE1..4_GRPC
     */
    static HaProxy start(Path config, Path work, List<String> nodes, List<String> grpcNodes)
            throws IOException, InterruptedException {
        int port = FreePorts.next();
        int grpcPort = FreePorts.next();
        Path socket = work.resolve("haproxy.sock");
        java.nio.file.Files.deleteIfExists(socket); // a last run's
        ProcessBuilder builder = new ProcessBuilder("haproxy", "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("haproxy.log").toFile());
        builder.environment().put("GANTRY_PROXY_BIND", "127.0.0.1:" + port);
        builder.environment().put("GANTRY_PROXY_GRPC_BIND", "127.0.0.1:" + grpcPort);
        builder.environment().put("GANTRY_PROXY_RUNTIME", socket.toString());
        for (int i = 0; i < nodes.size(); i++) {
            builder.environment().put("GANTRY_NODE" + (i + 1), nodes.get(i));
            builder.environment().put("GANTRY_NODE" + (i + 1) + "_GRPC", grpcNodes.get(i));
        }
        HaProxy proxy = new HaProxy(builder.start(), socket, port, grpcPort);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!socket.toFile().exists()) {
            if (!proxy.process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("HAProxy did not start; see " + work.resolve("haproxy.log"));
            }
            Thread.sleep(50);
        }
        return proxy;
    }

    /** One runtime API command, such as {@code set server gantry/gantry4 state ready}; returns the answer. */
    String command(String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            StringBuilder answer = new StringBuilder();
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                answer.append(StandardCharsets.UTF_8.decode(buffer));
                buffer.clear();
            }
            return answer.toString();
        }
    }

    /** Each server's operational state as the health checks see it: 2 is up (running), 0 down. */
    Map<String, Integer> serverStates() throws IOException {
        Map<String, Integer> states = new java.util.TreeMap<>();
        for (String line : command("show servers state gantry").split("\n")) {
            String[] fields = line.trim().split("\\s+");
            // be_id be_name srv_id srv_name srv_addr srv_op_state ...
            if (fields.length > 6 && fields[1].equals("gantry")) {
                states.put(fields[3], Integer.parseInt(fields[5]));
            }
        }
        return states;
    }

    /** Waits until the health checks see the server up (true) or down (false). */
    void awaitServer(String server, boolean up, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Integer state = serverStates().get(server);
            if (state != null && (state == 2) == up) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(server + " not " + (up ? "up" : "down") + " within " + timeout + ": "
                + serverStates());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
