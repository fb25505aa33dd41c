package org.gantry.metrics.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/** {@code GET /metrics} in Prometheus' text exposition format. */
@Component(service = MetricsResource.class)
@JakartarsResource
@JakartarsName("gantry.metrics")
@Path("/metrics")
public class MetricsResource {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final GantryMetrics metrics;

    @Activate
    public MetricsResource(@Reference(name = "metrics") GantryMetrics metrics) {
        this.metrics = metrics;
    }

    @GET
    @PermitAll
    public Response scrape() {
        StreamingOutput body = metrics::write;
        return Response.ok(body, CONTENT_TYPE).build();
    }
}
