package org.gantry.grpc.internal;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.server.ModelServer;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.gantry.grpc.proto.GrpcService.ModelStreamInferResponse;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * One {@code ModelStreamInfer} call, as Triton serves it: each request the client sends runs on its own (several
 * may run at once), each response the model produces is sent as soon as it exists (a decoupled model such as a
 * generator sends several, the last with {@code triton_final_response}), and a request that fails is answered with
 * an {@code error_message} while the stream stays open. The call ends once the client has sent its last request and
 * every request has finished. When the client goes away, the model's next response fails, which ends its
 * generation.
 */
final class InferenceStream implements StreamObserver<ModelInferRequest> {

    private final ModelServer server;
    private final long maxTensorElements;
    private final CallRunner calls;
    private final ServerCallStreamObserver<ModelStreamInferResponse> responses;
    /** Requests still running, plus one while the client may send more. Guarded by {@code this}. */
    private int open = 1;

    InferenceStream(ModelServer server, long maxTensorElements, CallRunner calls,
            ServerCallStreamObserver<ModelStreamInferResponse> responses) {
        this.server = server;
        this.maxTensorElements = maxTensorElements;
        this.calls = calls;
        this.responses = responses;
        // With a handler, a response sent after the client went away is dropped instead of thrown; send() also
        // checks first, so that the model learns of it.
        responses.setOnCancelHandler(() -> {});
    }

    @Override
    public void onNext(ModelInferRequest request) {
        synchronized (this) {
            open++;
        }
        calls.run(() -> run(request), () -> {
            fail(request, GantryException.unavailable("the server is stopping"));
            finished();
        });
    }

    private void run(ModelInferRequest request) {
        try {
            String version = request.getModelVersion().isEmpty() ? null : request.getModelVersion();
            server.inferStream(request.getModelName(), version, InferMessages.request(request, maxTensorElements),
                    this::deliver);
        } catch (RuntimeException e) {
            fail(request, e);
        } finally {
            finished();
        }
    }

    /** Sends one response of a running request; throws when the client is gone, which stops the model. */
    private void deliver(InferenceResponse response) {
        ModelStreamInferResponse message = ModelStreamInferResponse.newBuilder()
                .setInferResponse(InferMessages.response(response)).build();
        if (!send(message)) {
            throw GantryException.unavailable("the client closed the stream");
        }
    }

    /** Answers a request that failed, naming it so that the client can tell which one. */
    private void fail(ModelInferRequest request, RuntimeException failure) {
        ModelInferResponse.Builder which = ModelInferResponse.newBuilder()
                .setModelName(request.getModelName())
                .setModelVersion(request.getModelVersion())
                .setId(request.getId());
        send(ModelStreamInferResponse.newBuilder()
                .setErrorMessage(String.valueOf(Failures.status(failure).getStatus().getDescription()))
                .setInferResponse(which)
                .build());
    }

    private synchronized boolean send(ModelStreamInferResponse message) {
        if (responses.isCancelled()) {
            return false;
        }
        responses.onNext(message);
        return true;
    }

    @Override
    public void onError(Throwable cancelled) {
        // The client cancelled or the connection broke: running requests stop at their next response.
    }

    @Override
    public void onCompleted() {
        finished();
    }

    private synchronized void finished() {
        open--;
        if (open == 0 && !responses.isCancelled()) {
            responses.onCompleted();
        }
    }
}
