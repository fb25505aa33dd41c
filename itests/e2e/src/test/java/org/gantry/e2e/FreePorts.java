package org.gantry.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ports for the servers and proxies the tests start: free when asked for, and never one handed out before in this
 * JVM. The kernel may give a port it just released back at once, so two quick asks could otherwise name one port
 * twice (a server's HTTP and console ports, say).
 */
final class FreePorts {

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A free port not handed out before. */
    static int next() throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            }
        }
    }
}
