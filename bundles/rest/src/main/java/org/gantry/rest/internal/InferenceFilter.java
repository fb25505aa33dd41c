package org.gantry.rest.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.server.ModelServer;
import org.gantry.protocol.access.Access;
import org.gantry.protocol.access.AccessPolicy;
import org.gantry.protocol.access.Refusal;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterDispatcher;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * KServe's two infer endpoints ({@code POST /v2/models/{model}[/versions/{version}]/infer}) without JAX-RS: the
 * profile of a trivial inference showed Jersey's routing, injection and response machinery taking most of the
 * server's time. It stands last in the filter chain, behind {@link ClientAddressFilter}, {@link StartupGate} and
 * {@link BodyReadingFilter}, and applies the same {@link AccessPolicy} decision as {@link AccessGuard}, the same
 * reading and answer ({@link InferenceHttp}) and the same error shape as {@link ErrorMapper}. Whatever it does not
 * recognise as exactly such a request (another method, an encoded or matrix path, an Accept header that rules
 * out JSON) goes on to JAX-RS unchanged, which answers it as before.
 */
@Component(service = Filter.class, configurationPid = RestConfig.PID, property = "service.ranking:Integer=-1000")
@HttpWhiteboardFilterPattern("/v2/models/*")
@HttpWhiteboardFilterAsyncSupported
@HttpWhiteboardFilterDispatcher({ DispatcherType.REQUEST, DispatcherType.ASYNC })
public class InferenceFilter implements Filter {

    /** The infer URLs, raw: a model or version segment with '%' or ';' is left to JAX-RS's own decoding. */
    private static final Pattern INFER = Pattern.compile("/v2/models/([^/;%]+)(?:/versions/([^/;%]+))?/infer");
    private static final Logger LOG = LoggerFactory.getLogger(InferenceFilter.class);

    private final ModelServer server;
    private final AccessPolicy policy;
    private final long maxTensorElements;
    private final boolean enabled;

    @Activate
    public InferenceFilter(@Reference(name = "server") ModelServer server, RestConfig config) {
        this.server = server;
        this.policy = EndpointAccess.configured(config);
        this.maxTensorElements = config.maxTensorElements();
        this.enabled = config.leanInference();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        Matcher infer = enabled && "POST".equals(http.getMethod()) && acceptsJson(http.getHeader("Accept"))
                ? INFER.matcher(http.getRequestURI().substring(http.getContextPath().length())) : null;
        if (infer == null || !infer.matches()) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletResponse answer = (HttpServletResponse) response;
        // Set by ClientAddressFilter; a request without it counts as remote, the stricter case.
        boolean fromLoopback = Boolean.TRUE.equals(request.getAttribute(ClientAddressFilter.FROM_LOOPBACK));
        Refusal refusal = policy.refusal(Access.INFERENCE, http.getHeader("Authorization"),
                fromLoopback);
        if (refusal != null) {
            Map<String, String> headers = new HashMap<>();
            int status = EndpointAccess.status(refusal);
            if (status == 401) {
                headers.put("WWW-Authenticate", "Bearer realm=\"gantry\"");
            }
            BodyReadingFilter.refuse(answer, status, EndpointAccess.message(refusal), headers);
            return;
        }
        String model = infer.group(1); // no '%' in either: the raw segment is the decoded one
        String version = infer.group(2);
        try {
            InferenceRequest inference = InferenceHttp.read(server, model, version,
                    http.getHeader(InferenceHttp.HEADER_LENGTH), http.getInputStream(), maxTensorElements);
            InferenceHttp.Answer result = InferenceHttp.answer(inference, server.infer(model, version, inference));
            answer.setStatus(200);
            answer.setContentType(result.mediaType());
            if (result.headerLength() >= 0) {
                answer.setIntHeader(InferenceHttp.HEADER_LENGTH, result.headerLength());
            }
            if (result.length() >= 0) {
                answer.setContentLengthLong(result.length());
            }
            result.writeTo(answer.getOutputStream());
        } catch (GantryException e) {
            ErrorMapper.writeError(answer, e);
        } catch (RuntimeException e) {
            LOG.error("Unexpected failure while serving a request", e);
            ErrorMapper.writeError(answer, 500, "internal error: " + e, Map.of());
        }
    }

    /** No Accept header, or one that takes JSON: JAX-RS would answer such a request with the resource's JSON. */
    static boolean acceptsJson(String accept) {
        return accept == null || accept.isBlank() || accept.contains("*/*") || accept.contains("application/*")
                || accept.contains("application/json");
    }
}
