package org.gantry.api.backend;

import java.util.List;

import org.gantry.api.tensor.Tensor;

/** Receives the responses of a model that answers one request with several (a decoupled model). */
@FunctionalInterface
public interface ResponseSink {

    /**
     * Delivers one response.
     *
     * @param outputs the response's outputs, named as the configuration's outputs
     * @param last    whether this is the request's final response; a model that learns only afterwards that it
     *                is done simply returns, and the server then closes the stream with an empty final response
     */
    void send(List<Tensor> outputs, boolean last);
}
