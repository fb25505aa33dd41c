package org.gantry.grpc.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

/** An in-process server running the services under test, and a client channel to it. */
final class InProcessGrpc {

    final Server server;
    final ManagedChannel channel;

    private InProcessGrpc(Server server, ManagedChannel channel) {
        this.server = server;
        this.channel = channel;
    }

    /** Starts a server of {@code services} that runs calls on the transport's thread (direct executor). */
    static InProcessGrpc start(ServerServiceDefinition... services) throws IOException {
        String name = InProcessServerBuilder.generateName();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
        for (ServerServiceDefinition service : services) {
            builder.addService(service);
        }
        Server server = builder.build().start();
        return new InProcessGrpc(server, InProcessChannelBuilder.forName(name).build());
    }

    /** Shuts the channel and the server down, waiting up to five seconds for each. */
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
