package org.gantry.rest.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.condition.Condition;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.jakartars.runtime.JakartarsServiceRuntime;
import org.osgi.service.jakartars.runtime.dto.ApplicationDTO;
import org.osgi.service.jakartars.runtime.dto.BaseDTO;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Answers 503 with {@code Retry-After} until the API is whole: while Karaf starts, the REST whiteboard adds
 * resources and extensions one by one, and a request served in between could meet a resource without its JSON
 * writer or its guard (a 500 'MessageBodyWriter not found', or a 404). Once every resource and extension of the
 * API is registered, requests pass untouched. It is also a {@link Condition} for the public port.
 */
@Component(service = { Filter.class, Condition.class }, property = Condition.CONDITION_ID + "=" + StartupGate.CONDITION)
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardFilterAsyncSupported
public class StartupGate implements Filter, Condition {

    /**
     * The condition this gate registers: Gantry's public port opens only once the gate stands in front of the API,
     * so no request meets a half-registered one (org.gantry.http waits for it).
     */
    static final String CONDITION = "gantry.api.gate";

    /** What the API needs before it can answer anything right, by whiteboard name. */
    static final Set<String> REQUIRED = Set.of("gantry.kserve", "gantry.sagemaker", "gantry.memory",
            JacksonExtension.NAME, ErrorMapper.NAME, AccessControl.NAME);
    /** How often a request may ask the whiteboard whether the API is whole, before it is. */
    private static final long RECHECK_NANOS = 100_000_000L;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile JakartarsServiceRuntime whiteboard;

    private volatile boolean open;
    private volatile long checkedAtNanos = System.nanoTime() - RECHECK_NANOS;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (open || isWhole()) {
            chain.doFilter(request, response);
            return;
        }
        BodyReadingFilter.refuse((HttpServletResponse) response, 503, "Gantry is starting: its API is not ready yet",
                Map.of("Retry-After", "1"));
    }

    private boolean isWhole() {
        long now = System.nanoTime();
        JakartarsServiceRuntime runtime = whiteboard;
        if (runtime == null || now - checkedAtNanos < RECHECK_NANOS) {
            return false;
        }
        checkedAtNanos = now;
        ApplicationDTO application = runtime.getRuntimeDTO().defaultApplication;
        if (application == null) {
            return false;
        }
        Set<String> registered = Stream.concat(names(application.resourceDTOs), names(application.extensionDTOs))
                .collect(Collectors.toSet());
        open = registered.containsAll(REQUIRED);
        return open;
    }

    private static Stream<String> names(BaseDTO[] dtos) {
        return dtos == null ? Stream.empty() : Arrays.stream(dtos).map(dto -> dto.name);
    }
}
