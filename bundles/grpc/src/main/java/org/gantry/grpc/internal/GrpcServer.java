package org.gantry.grpc.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.repository.ModelRepository;
import org.gantry.api.server.Drain;
import org.gantry.api.server.ModelServer;
import org.gantry.protocol.access.AccessPolicy;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * Gantry's gRPC port: {@code inference.GRPCInferenceService} and {@code grpc.health.v1.Health} on grpc-java's
 * Netty server. It reads two configurations, the REST API's first (tokens, tensor limit: the same as HTTP) and its
 * own second, which may override them. Its metatype comes from {@link GrpcConfig}'s {@code pid} (a Designate
 * would have to name one PID of the two).
 */
@Component(configurationPid = { RestApiSettings.PID, GrpcConfig.PID })
public class GrpcServer {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);
    private static final long STOP_GRACE_SECONDS = 5;

    private final ThreadPoolExecutor calls;
    private final ScheduledExecutorService deadlines;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup connections;
    private final Server server;

    @Activate
    public GrpcServer(@Reference(name = "server") ModelServer modelServer,
            @Reference(name = "repository") ModelRepository repository, @Reference(name = "drain") Drain drain,
            GrpcConfig config, RestApiSettings shared) {
        AccessPolicy policy = AccessPolicy.configured(shared._adminToken(), shared._inferenceToken(),
                shared.remoteManagementWithoutToken(), System::getenv);
        calls = new ThreadPoolExecutor(config.threads(), config.threads(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads("gantry-grpc-call-"));
        calls.allowCoreThreadTimeOut(true);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, threads("gantry-grpc-deadline-"));
        timer.setRemoveOnCancelPolicy(true); // nearly every deadline is cancelled: keep them out of its queue
        deadlines = timer;
        // NIO, named explicitly: grpc-java would otherwise look for Netty's epoll natives, which would have to be
        // unpacked from this bundle; NIO needs nothing from outside the JVM.
        acceptor = new MultiThreadIoEventLoopGroup(1, threads("gantry-grpc-accept-"), NioIoHandler.newFactory());
        connections = new MultiThreadIoEventLoopGroup(0, threads("gantry-grpc-io-"), NioIoHandler.newFactory());
        AccessInterceptor access = new AccessInterceptor(policy);
        DrainInterceptor draining = new DrainInterceptor(drain);
        MessageDeadline deadline = new MessageDeadline(deadlines, shared.bodyReadDeadlineSeconds());
        CallRunner runner = new CallRunner(calls);
        server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
                .channelType(NioServerSocketChannel.class)
                .bossEventLoopGroup(acceptor)
                .workerEventLoopGroup(connections)
                .directExecutor() // the services hand their work to the call threads (CallRunner)
                .maxInboundMessageSize(config.maxMessageBytes())
                .maxConcurrentCallsPerConnection(config.maxCallsPerConnection())
                // The last interceptor named runs first: the access check, the drain's admission, then the deadline
                // of admitted calls.
                .addService(ServerInterceptors.intercept(
                        new InferenceService(modelServer, repository, shared.maxTensorElements(), runner), deadline,
                        draining, access))
                .addService(ServerInterceptors.intercept(new HealthService(modelServer, runner), deadline, access))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            stopThreads();
            throw new UncheckedIOException("gRPC cannot listen on " + config.host() + ":" + config.port(), e);
        }
        LOG.info("Gantry listens for gRPC on {}:{} (messages up to {} bytes, arriving within {} s)", config.host(),
                server.getPort(), config.maxMessageBytes(), shared.bodyReadDeadlineSeconds());
        describe(policy);
    }

    /** The port listened on (the configured one, or the one picked for port 0). */
    int port() {
        return server.getPort();
    }

    /** Says at start who may manage the server over gRPC, as the HTTP API does for its port. */
    private static void describe(AccessPolicy policy) {
        policy.notices("gRPC management (RepositoryModelLoad/Unload)", "gRPC inference and model information")
                .forEach(notice -> LOG.atLevel(notice.warning() ? Level.WARN : Level.INFO).log(notice.message()));
    }

    /** Stops taking calls, lets running ones finish for a few seconds, then cancels the rest. */
    @Deactivate
    void stop() {
        server.shutdown();
        try {
            if (!server.awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        stopThreads();
    }

    private void stopThreads() {
        calls.shutdownNow();
        deadlines.shutdownNow();
        acceptor.shutdownGracefully(0, STOP_GRACE_SECONDS, TimeUnit.SECONDS);
        connections.shutdownGracefully(0, STOP_GRACE_SECONDS, TimeUnit.SECONDS);
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
