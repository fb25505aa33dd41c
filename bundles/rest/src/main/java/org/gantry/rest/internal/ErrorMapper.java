package org.gantry.rest.internal;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalInt;

import org.gantry.api.error.GantryException;
import org.gantry.protocol.access.GuardedResource;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.servlet.http.HttpServletResponse;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/**
 * Turns every failure into the protocol's error shape, {@code {"error": "..."}}, with the status that fits:
 * Gantry's typed errors by their kind, JAX-RS errors (unknown path, wrong method) by theirs, anything else 500.
 */
@Component(service = ExceptionMapper.class)
@JakartarsExtension
@JakartarsName(ErrorMapper.NAME)
public class ErrorMapper implements ExceptionMapper<Throwable> {

    static final String NAME = GuardedResource.ERRORS;
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Response toResponse(Throwable failure) {
        if (failure instanceof GantryException gantry) {
            Response.ResponseBuilder response = error(gantry.kind().httpStatus(), gantry.getMessage());
            gantry.retryAfterSeconds().ifPresent(seconds -> response.header(HttpHeaders.RETRY_AFTER, seconds));
            return response.build();
        }
        if (failure instanceof WebApplicationException web) {
            Response original = web.getResponse();
            return error(original.getStatus(), web.getMessage()).build();
        }
        LOG.error("Unexpected failure while serving a request", failure);
        return error(500, "internal error: " + failure).build();
    }

    /** The protocol's error shape, {@code {"error": "..."}}, with a status; headers may still be added. */
    static Response.ResponseBuilder error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("error", message == null ? "" : message));
    }

    /** The same shape written straight to a servlet response, for what is served outside JAX-RS. */
    static void writeError(HttpServletResponse response, GantryException failure) throws IOException {
        OptionalInt retryAfter = failure.retryAfterSeconds();
        writeError(response, failure.kind().httpStatus(), failure.getMessage(), retryAfter.isPresent()
                ? Map.of(HttpHeaders.RETRY_AFTER, Integer.toString(retryAfter.getAsInt())) : Map.of());
    }

    static void writeError(HttpServletResponse response, int status, String message, Map<String, String> headers)
            throws IOException {
        if (response.isCommitted()) {
            return; // part of the answer is on its way: the client sees the connection end early
        }
        response.reset();
        response.setStatus(status);
        headers.forEach(response::setHeader);
        response.setContentType(MediaType.APPLICATION_JSON);
        byte[] json = JSON.writeValueAsBytes(Map.of("error", message == null ? "" : message));
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
    }
}
