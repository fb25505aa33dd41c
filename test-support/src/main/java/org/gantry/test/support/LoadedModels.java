package org.gantry.test.support;

import java.util.List;
import java.util.function.Function;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.Tensor;

/** Loaded models that hold nothing: what remains around them is the server's own work. */
public final class LoadedModels {

    private LoadedModels() {
    }

    /** Answers with its first input, named {@code OUTPUT__0}. */
    public static LoadedModel echo() {
        return answering(request -> List.of(request.inputs().get(0).withName("OUTPUT__0")), -1);
    }

    /** Answers with {@code answer}'s outputs and reports {@code footprintBytes} (-1: unknown). */
    public static LoadedModel answering(Function<InferenceRequest, List<Tensor>> answer, long footprintBytes) {
        return new LoadedModel() {
            @Override
            public List<Tensor> infer(InferenceRequest request) {
                return answer.apply(request);
            }

            @Override
            public long footprintBytes() {
                return footprintBytes;
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }
}
