package org.gantry.traffic.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.gantry.api.error.GantryException;
import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.ShadowReport;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;
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
@TrafficExtensions
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
        Optional<TrafficReport> report = traffic.report(model);
        Optional<CaptureStatistics.CaptureReport> captured = Optional.ofNullable(capture)
                .flatMap(c -> c.reports().stream().filter(r -> r.model().equals(model)).findFirst());
        if (report.isEmpty() && captured.isEmpty()) {
            throw GantryException.notFound("model '%s' has no canary, shadow or capture (or no request yet)", model);
        }
        Map<String, Object> json = report.map(TrafficResource::json).orElseGet(() -> {
            Map<String, Object> only = new LinkedHashMap<>();
            only.put("model", model);
            return only;
        });
        captured.ifPresent(c -> json.put("capture", Map.of("sampled", c.sampled(), "written", c.written(),
                "dropped", c.dropped(), "bytes_written", c.bytesWritten())));
        return json;
    }

    @POST
    @Path("promote")
    public Map<String, Object> promote(@PathParam("model") String model) {
        return json(traffic.promote(model));
    }

    @POST
    @Path("rollback")
    public Map<String, Object> rollback(@PathParam("model") String model) {
        return json(traffic.rollback(model));
    }

    static Map<String, Object> json(TrafficReport report) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", report.model());
        if (report.candidateVersion() != null) {
            Map<String, Object> canary = new LinkedHashMap<>();
            canary.put("primary_version", report.primaryVersion());
            canary.put("candidate_version", report.candidateVersion());
            canary.put("candidate_percent", report.candidatePercent());
            canary.put("state", report.state());
            json.put("canary", canary);
        }
        json.put("served_by_version", report.servedByVersion());
        ShadowReport shadow = report.shadow();
        if (shadow != null) {
            Map<String, Object> comparison = new LinkedHashMap<>();
            comparison.put("target_model", shadow.targetModel());
            comparison.put("target_version", shadow.targetVersion());
            comparison.put("percent", shadow.percent());
            comparison.put("sent", shadow.sent());
            comparison.put("compared", shadow.compared());
            comparison.put("disagreed", shadow.disagreed());
            comparison.put("disagreement_rate", shadow.disagreementRate());
            comparison.put("skipped", shadow.skipped());
            comparison.put("failed", shadow.failed());
            comparison.put("absolute_tolerance", shadow.tolerance().absolute());
            comparison.put("relative_tolerance", shadow.tolerance().relative());
            comparison.put("outputs", shadow.outputs().stream().map(o -> {
                Map<String, Object> output = new LinkedHashMap<>();
                output.put("name", o.name());
                output.put("compared", o.compared());
                output.put("exact_match_rate", o.exactMatchRate());
                output.put("agreement_rate", o.agreementRate());
                output.put("max_abs_difference", finite(o.maxAbsDifference()));
                return output;
            }).toList());
            json.put("shadow", comparison);
        }
        return json;
    }

    /** JSON has no infinity: a shape mismatch is reported as null. */
    private static Object finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
