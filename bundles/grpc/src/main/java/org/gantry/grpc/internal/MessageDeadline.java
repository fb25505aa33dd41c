package org.gantry.grpc.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The HTTP API's body deadline, for gRPC: a call that sends one request message and has not sent it whole this long
 * after it began is closed with DEADLINE_EXCEEDED, and what it buffered is freed. A client trickling a large
 * message, or stalling half-way, thus holds the server's memory for a bounded time, as on HTTP. Only the message's
 * arrival is timed, never the model's work; streams, long-lived by design, are not timed.
 */
record MessageDeadline(ScheduledExecutorService timer, long seconds) implements ServerInterceptor {

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (!call.getMethodDescriptor().getType().clientSendsOneMessage()) {
            return next.startCall(call, headers);
        }
        // Whichever comes first, the whole message or the deadline, settles the call: the handler never runs on a
        // call the deadline closed.
        AtomicBoolean settled = new AtomicBoolean();
        ScheduledFuture<?> expiry = timer.schedule(() -> {
            if (settled.compareAndSet(false, true)) {
                call.close(Status.DEADLINE_EXCEEDED.withDescription("the request message had not arrived whole "
                        + seconds + " s after the call began"), new Metadata());
            }
        }, seconds, TimeUnit.SECONDS);
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onHalfClose() {
                if (settled.compareAndSet(false, true)) {
                    expiry.cancel(false);
                    super.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                expiry.cancel(false);
                super.onCancel();
            }

            @Override
            public void onComplete() {
                expiry.cancel(false);
                super.onComplete();
            }
        };
    }
}
