package org.gantry.rest.internal;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

import org.gantry.api.error.GantryException;
import org.gantry.api.server.Drain;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The HTTP side of the server's {@link Drain}: every request is admitted before anything else reads it, and its
 * admission is closed once its response is complete, asynchronous ones included (bodies read as they arrive,
 * streamed responses). Once a drain begins, new requests get 503 with {@code Retry-After} and their connection is
 * closed, so a proxy retries them on another node. Health probes and metrics scrapes are neither refused nor
 * counted: the probes must be able to say 'not ready', and a scrape should see the drain.
 */
@Component(service = Filter.class, property = "service.ranking:Integer=" + DrainFilter.RANKING)
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardFilterAsyncSupported
public class DrainFilter implements Filter {

    /**
     * Ahead of the body reader and the start-up gate (ranking 0), so a refused request costs no body read; behind
     * ClientAddressFilter (1000), which only notes where a request came from.
     */
    static final int RANKING = 100;
    /** The paths that answer while the server drains, exactly as probes and scrapers send them. */
    static final Set<String> PROBES = Set.of("/v2/health/live", "/v2/health/ready", "/ping", "/metrics");

    private final Drain drain;

    @Activate
    public DrainFilter(@Reference(name = "drain") Drain drain) {
        this.drain = drain;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (isProbe((HttpServletRequest) request)) {
            chain.doFilter(request, response);
            return;
        }
        Drain.Admission admission;
        try {
            admission = drain.admit();
        } catch (GantryException draining) {
            BodyReadingFilter.refuse((HttpServletResponse) response, draining.kind().httpStatus(),
                    draining.getMessage(), Map.of("Retry-After",
                            Integer.toString(draining.retryAfterSeconds().orElse(1))));
            return;
        }
        boolean asynchronous = false;
        try {
            chain.doFilter(request, response);
            asynchronous = request.isAsyncStarted();
        } finally {
            if (asynchronous) {
                // The container completes the request only after this dispatch returns: the listener cannot miss it.
                request.getAsyncContext().addListener(new CloseOnComplete(admission));
            } else {
                admission.close();
            }
        }
    }

    static boolean isProbe(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        String path = context != null && !context.isEmpty() && uri.startsWith(context)
                ? uri.substring(context.length()) : uri;
        return "GET".equals(request.getMethod()) && PROBES.contains(path);
    }

    /** Closes the admission when the request's last asynchronous cycle completes. */
    private static final class CloseOnComplete implements AsyncListener {

        private final Drain.Admission admission;

        CloseOnComplete(Drain.Admission admission) {
            this.admission = admission;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            admission.close();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A new cycle (a body read, then a streamed response): listeners must register again to hear its end.
            event.getAsyncContext().addListener(this);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // onComplete follows
        }

        @Override
        public void onError(AsyncEvent event) {
            // onComplete follows
        }
    }
}
