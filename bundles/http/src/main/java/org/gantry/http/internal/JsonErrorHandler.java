package org.gantry.http.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.ee10.servlet.ErrorHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import jakarta.servlet.RequestDispatcher;

/**
 * Jetty's error responses in the protocol's error shape, {@code {"error": "..."}}, instead of its HTML pages:
 * clients of a JSON API parse every answer, refusals included. It answers what Jetty refuses before the API sees
 * a request (a malformed URI or chunk, headers too large) and servlet errors without a body of their own.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() < 400 ? HttpStatus.INTERNAL_SERVER_ERROR_500 : response.getStatus();
        String json = body(status, message(request, status));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.write(true, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }

    static String body(int status, String message) {
        return "{\"error\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(message)) + "\"}";
    }

    /** Jetty's reason when it gave one, else the status's standard reason. Never a stack trace. */
    private static String message(Request request, int status) {
        Object message = request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_MESSAGE);
        if (message == null) {
            message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        }
        String reason = HttpStatus.getMessage(status);
        if (message == null || message.toString().isBlank() || message.toString().equals(reason)) {
            return status == HttpStatus.NOT_FOUND_404 ? "no such endpoint" : reason.toLowerCase(java.util.Locale.ROOT);
        }
        return message.toString();
    }
}
