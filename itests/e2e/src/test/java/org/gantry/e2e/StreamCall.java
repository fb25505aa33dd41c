package org.gantry.e2e;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.gantry.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceStub;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelStreamInferResponse;

import io.grpc.stub.StreamObserver;

/**
 * A {@code ModelStreamInfer} call as a client makes it: opened at once (the server admits the call when it starts),
 * its requests sent when the test chooses, every response collected.
 */
final class StreamCall {

    private final List<ModelStreamInferResponse> responses = new CopyOnWriteArrayList<>();
    /** The responses as they stand when the server ends the call; the server's error if it fails the call. */
    private final CompletableFuture<List<ModelStreamInferResponse>> done = new CompletableFuture<>();
    private final StreamObserver<ModelInferRequest> requests;

    /** Opens the call on this stub (with its interceptors), with a deadline of two minutes. */
    StreamCall(GRPCInferenceServiceStub stub) {
        requests = stub.withDeadlineAfter(2, TimeUnit.MINUTES).modelStreamInfer(new StreamObserver<>() {
            @Override
            public void onNext(ModelStreamInferResponse response) {
                responses.add(response);
            }

            @Override
            public void onError(Throwable failure) {
                done.completeExceptionally(failure);
            }

            @Override
            public void onCompleted() {
                done.complete(List.copyOf(responses));
            }
        });
    }

    /** Sends the request, ends the client's side and returns every response once the server has ended the call. */
    List<ModelStreamInferResponse> finish(ModelInferRequest request) throws Exception {
        requests.onNext(request);
        requests.onCompleted();
        return done.get(2, TimeUnit.MINUTES);
    }
}
