package org.gantry.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Server-sent events of a generate stream, as the connection sees them. */
class ResponseStreamsTest {

    private static InferenceResponse token(String text, boolean last) {
        return new InferenceResponse("t5", "1", null, Map.of("triton_final_response", last),
                List.of(Tensor.ofBytes("text_output", new long[] { 1 },
                        List.of(text.getBytes(StandardCharsets.UTF_8)))));
    }

    @Test
    void aFailureAfterTheFirstResponseIsTheStreamsLastEvent() throws Exception {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>(List.of(token("b", false),
                GantryException.unavailable("model 't5' was unloaded while it generated")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        ResponseStreams.writeEvents(token("a", false), events, out, new AtomicBoolean());

        List<String> sent = List.of(out.toString(StandardCharsets.UTF_8).split("\n\n"));
        assertEquals(3, sent.size(), out.toString());
        assertTrue(sent.get(0).startsWith("data: {\"model_name\":\"t5\""), sent.get(0));
        assertEquals("data: {\"error\":\"model 't5' was unloaded while it generated\"}", sent.get(2));
    }
}
