package org.gantry.protocol.kserve;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;

/**
 * KServe v2 JSON for front ends other than HTTP (the console's {@code gantry:infer}), with exactly the HTTP API's
 * rules and messages.
 */
public final class KServeJson {

    private KServeJson() {
    }

    /**
     * Reads an inference request in KServe v2 JSON.
     *
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT with the reason when it is not one
     */
    public static InferenceRequest readRequest(String json) {
        return RequestReader.readRequest(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes an inference response in KServe v2 JSON, data inline. */
    public static String writeResponse(InferenceResponse response) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ResponseWriter.writeResponse(response, out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
