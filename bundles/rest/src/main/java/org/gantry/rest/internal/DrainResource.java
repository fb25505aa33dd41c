package org.gantry.rest.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.gantry.api.server.Drain;
import org.gantry.protocol.access.GuardedResource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /v2/drain}: the operator's way to take a node out of a cluster without failing a request, the same
 * drain SIGTERM starts. It answers at once (202); readiness is 503 from then on, and the process exits once the
 * requests in flight have finished or the drain timeout has passed.
 */
@Component(service = DrainResource.class)
@JakartarsResource
@JakartarsName("gantry.drain")
@GuardedResource
@Path("/v2/drain")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Gantry", description = "Gantry's own extensions")
public class DrainResource {

    private final Drain drain;

    @Activate
    public DrainResource(@Reference(name = "drain") Drain drain) {
        this.drain = drain;
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Operation(summary = "Drain, then stop: readiness and new requests get 503, requests in flight finish (at most"
            + " the drain timeout), then the process exits")
    public Response drain() {
        // Counted before the drain begins: this request is one of them, and it is answered at once.
        int inFlight = drain.inFlight() - 1;
        drain.drainAndStop();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("draining", true);
        json.put("in_flight", Math.max(inFlight, 0));
        json.put("timeout_seconds", drain.timeoutSeconds());
        return Response.accepted(json).build();
    }
}
