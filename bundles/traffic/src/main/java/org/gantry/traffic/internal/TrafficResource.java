package org.gantry.traffic.internal;

import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.protocol.access.GuardedResource;
import org.gantry.protocol.traffic.SafeUpdateSummary;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The admin API of safe updates. {@code GET /v2/models/{model}/traffic} (inference access, like the statistics) is a
 * model's split, its requests per version, its shadow's comparison and its capture counts;
 * {@code POST .../traffic/promote} and {@code .../traffic/rollback} (management access: no annotation) move the
 * split.
 */
@Component(service = TrafficResource.class)
@JakartarsResource
@JakartarsName("gantry.traffic")
@GuardedResource
@Path("/v2/models/{model}/traffic")
@Produces(MediaType.APPLICATION_JSON)
public class TrafficResource {

    /** Gantry's role of endpoints that read models (see the REST bundle's access control). */
    static final String INFERENCE_ROLE = "gantry.inference";

    private final TrafficControl traffic;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private volatile CaptureStatistics capture;

    @Activate
    public TrafficResource(@Reference(name = "traffic") TrafficControl traffic) {
        this.traffic = traffic;
    }

    @GET
    @RolesAllowed(INFERENCE_ROLE)
    public Map<String, Object> summary(@PathParam("model") String model) {
        return SafeUpdateSummary.of(model, traffic, capture).orElseThrow(() -> GantryException.notFound(
                "model '%s' has no canary, shadow or capture (or no request yet)", model));
    }

    @POST
    @Path("promote")
    public Map<String, Object> promote(@PathParam("model") String model) {
        return SafeUpdateSummary.of(traffic.promote(model));
    }

    @POST
    @Path("rollback")
    public Map<String, Object> rollback(@PathParam("model") String model) {
        return SafeUpdateSummary.of(traffic.rollback(model));
    }
}
