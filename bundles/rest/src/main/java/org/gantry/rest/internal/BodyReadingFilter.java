package org.gantry.rest.internal;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterDispatcher;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Reads request bodies without holding a thread while they arrive, before the API sees them. A body already in
 * the server's buffers goes straight through; any other is read asynchronously into memory (never past the body
 * limit), then the request is dispatched again with the body at hand. A client that sends its body slowly, below
 * the minimum data rate after a grace period, or not within the read deadline, gets 408 and its connection is
 * closed: slow senders cost a connection and a buffer, never one of the threads that serve everyone else.
 */
@Component(service = Filter.class, configurationPid = RestConfig.PID)
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardFilterAsyncSupported
@HttpWhiteboardFilterDispatcher({ DispatcherType.REQUEST, DispatcherType.ASYNC })
public class BodyReadingFilter implements Filter {

    /** The request attribute that carries a body read asynchronously to the dispatch that serves it. */
    private static final String BODY = BodyReadingFilter.class.getName() + ".body";

    /**
     * What a request body may cost: at most {@code maxBytes}, arriving whole within {@code deadline}, and, once
     * {@code grace} has passed, at no less than {@code minBytesPerSecond} on average.
     */
    record BodyLimits(long maxBytes, Duration deadline, long minBytesPerSecond, Duration grace) {

        static BodyLimits of(RestConfig config) {
            return new BodyLimits(config.maxRequestBytes(), Duration.ofSeconds(config.bodyReadDeadlineSeconds()),
                    config.minRequestBytesPerSecond(), Duration.ofSeconds(config.bodyRateGraceSeconds()));
        }
    }

    private final BodyLimits limits;

    @Activate
    public BodyReadingFilter(RestConfig config) {
        this.limits = BodyLimits.of(config);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
            Object body = request.getAttribute(BODY);
            request.removeAttribute(BODY);
            chain.doFilter(body instanceof byte[] bytes ? new BufferedBodyRequest(http, bytes) : request, response);
            return;
        }
        long declared = http.getContentLengthLong();
        boolean hasBody = declared > 0 || declared < 0 && http.getHeader("Transfer-Encoding") != null;
        if (!hasBody) {
            chain.doFilter(request, response);
            return;
        }
        if (declared > limits.maxBytes()) {
            refuse((HttpServletResponse) response, 413, String.format("the request body has %d bytes; this server"
                    + " accepts at most %d", declared, limits.maxBytes()));
            return;
        }
        ServletInputStream in = request.getInputStream();
        if (declared > 0 && in.available() >= declared) {
            // Every byte is already here: reading it cannot block.
            chain.doFilter(request, response);
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(limits.deadline().toMillis());
        BodyReader reader = new BodyReader(async, in, declared);
        async.addListener(reader);
        in.setReadListener(reader);
    }

    /** Answers a refusal in the protocol's error shape and closes the connection: the rest of the body is unread. */
    static void refuse(HttpServletResponse response, int status, String message) throws IOException {
        refuse(response, status, message, Map.of());
    }

    /** The same, with headers of its own (such as {@code Retry-After}). */
    static void refuse(HttpServletResponse response, int status, String message, Map<String, String> headers)
            throws IOException {
        Map<String, String> closing = new HashMap<>(headers);
        closing.put("Connection", "close");
        ErrorMapper.writeError(response, status, message, closing);
    }

    /** Reads one body as it arrives, on whichever thread Jetty calls it, then dispatches the request again. */
    private final class BodyReader implements ReadListener, AsyncListener {

        private final AsyncContext async;
        private final ServletInputStream in;
        private final long startNanos = System.nanoTime();
        private byte[] body;
        private int size;
        private boolean done;

        BodyReader(AsyncContext async, ServletInputStream in, long declared) {
            this.async = async;
            this.in = in;
            this.body = new byte[(int) Math.max(Math.min(declared, limits.maxBytes()), 8192)];
        }

        @Override
        public synchronized void onDataAvailable() throws IOException {
            while (!done && in.isReady()) {
                if (size == body.length) {
                    if (size >= limits.maxBytes()) {
                        fail(413, String.format("the request body has more than %d bytes, the most this server"
                                + " accepts", limits.maxBytes()));
                        return;
                    }
                    body = Arrays.copyOf(body, (int) Math.min(limits.maxBytes(), 2L * body.length));
                }
                int read = in.read(body, size, body.length - size);
                if (read < 0) {
                    return;
                }
                size += read;
            }
            long elapsed = System.nanoTime() - startNanos;
            if (!done && elapsed > limits.grace().toNanos() && size < limits.minBytesPerSecond() * (elapsed / 1e9)) {
                fail(408, String.format("the request body arrived at %.0f bytes per second, below this server's"
                        + " minimum of %d", size / (elapsed / 1e9), limits.minBytesPerSecond()));
            }
        }

        @Override
        public synchronized void onAllDataRead() {
            if (done) {
                return;
            }
            done = true;
            async.getRequest().setAttribute(BODY, size == body.length ? body : Arrays.copyOf(body, size));
            async.dispatch();
        }

        @Override
        public void onError(Throwable failure) {
            boolean timedOut = failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException;
            fail(timedOut ? 408 : 400, timedOut ? "the request body stopped arriving"
                    : "the request body is malformed: " + reason(failure));
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            fail(408, String.format("the request body did not arrive within %d seconds",
                    limits.deadline().toSeconds()));
        }

        @Override
        public void onError(AsyncEvent event) {
            onError(event.getThrowable());
        }

        @Override
        public void onComplete(AsyncEvent event) {
            // nothing to release: the buffer goes with the request
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // the listener was registered on the one startAsync this filter makes
        }

        private synchronized void fail(int status, String message) {
            if (done) {
                return;
            }
            done = true;
            try {
                refuse((HttpServletResponse) async.getResponse(), status, message);
            } catch (IOException | IllegalStateException e) {
                // the client is gone: there is nobody to answer
            } finally {
                async.complete();
            }
        }
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    /** The request with its body read: every way of reading it reads the buffer. */
    private static final class BufferedBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        BufferedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            return new ByteArrayServletInputStream(body);
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body),
                    encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding)));
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }
    }

    /** A body in memory as a servlet stream: always ready, finished once read. */
    private static final class ByteArrayServletInputStream extends ServletInputStream {

        private final ByteArrayInputStream bytes;

        ByteArrayServletInputStream(byte[] body) {
            this.bytes = new ByteArrayInputStream(body);
        }

        @Override
        public int read() {
            return bytes.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            return bytes.read(buffer, offset, length);
        }

        @Override
        public int available() {
            return bytes.available();
        }

        @Override
        public boolean isFinished() {
            return bytes.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            try {
                listener.onDataAvailable();
                listener.onAllDataRead();
            } catch (IOException e) {
                listener.onError(e);
            }
        }
    }
}
