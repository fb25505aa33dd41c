package org.gantry.e2e;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * The four ports a Gantry server takes from its environment: HTTP ({@code GANTRY_HTTP_PORT}), gRPC
 * ({@code GANTRY_GRPC_PORT}), the Karaf console's SSH port ({@code GANTRY_CONSOLE_PORT}) and Felix's internal
 * connector's loopback port ({@code GANTRY_INTERNAL_HTTP_PORT}). Each server gets all four of its own, so that
 * servers started side by side (other test runs, other checkouts, the nodes of a cluster) never answer each other's
 * requests or {@code bin/client}: none of them takes the console's default, 8101.
 */
record ServerPorts(int http, int grpc, int console, int internal) {

    /** Four free ports, none handed out before in this JVM. */
    static ServerPorts free() throws IOException {
        return new ServerPorts(FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next());
    }

    /** The environment variables that hand these ports to the distribution's configuration. */
    Map<String, String> environment() {
        return Map.of("GANTRY_HTTP_PORT", Integer.toString(http), "GANTRY_GRPC_PORT", Integer.toString(grpc),
                "GANTRY_CONSOLE_PORT", Integer.toString(console), "GANTRY_INTERNAL_HTTP_PORT",
                Integer.toString(internal));
    }

    /** All four, for checking which ports the server listens on. */
    Set<Integer> all() {
        return Set.of(http, grpc, console, internal);
    }
}
