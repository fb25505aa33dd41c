package org.gantry.rest.internal;

import java.io.InputStream;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.server.ModelServer;
import org.gantry.protocol.kserve.ResponseWriter;
import org.gantry.rest.internal.KServeViews.Metadata;
import org.gantry.rest.internal.KServeViews.ModelReadiness;
import org.gantry.rest.internal.KServeViews.Statistics;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * The KServe v2 endpoints of one model, which the protocol repeats for one of its versions: {@link KServeResource}
 * locates both {@code /v2/models/{model}/...} (a null version: the server picks) and
 * {@code /v2/models/{model}/versions/{version}/...} here, so each endpoint is written once.
 */
@RolesAllowed(EndpointAccess.INFERENCE)
@Produces(MediaType.APPLICATION_JSON)
public final class ModelEndpoints {

    /** What the endpoints of every model share, held by the resource that locates them. */
    record Services(ModelServer server, ModelRepository repository, long maxTensorElements,
            ResponseStreams streams, SafeUpdates safeUpdates) {
    }

    private final ModelServer server;
    private final Services services;
    private final String model;
    private final String version;

    ModelEndpoints(Services services, String model, String version) {
        this.server = services.server();
        this.services = services;
        this.model = model;
        this.version = version;
    }

    @GET
    @Operation(summary = "Model metadata: platform, versions, inputs and outputs")
    public Metadata metadata() {
        return Metadata.of(server.metadata(model, version));
    }

    @GET
    @Path("stats")
    @Operation(summary = "Statistics of a model's versions, or of one version")
    public Statistics statistics() {
        return Statistics.of(server.statistics(model, version), services.safeUpdates().of(model));
    }

    /** Ready means a request would be served now (see {@link ModelServer#willServe}), not that it is resident. */
    @GET
    @Path("ready")
    @Operation(summary = "Model readiness: 200 when a request would be served now (loaded, or loadable on demand)")
    public Response ready() {
        boolean ready = server.willServe(model, version);
        if (!ready) {
            server.metadata(model, version); // 404 for a model or version that does not exist
        }
        return Response.status(ready ? 200 : 503).entity(new ModelReadiness(model, ready)).build();
    }

    @POST
    @Path("infer")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Run an inference (JSON, or a JSON header and binary tensors)")
    public Response infer(@HeaderParam(InferenceHttp.HEADER_LENGTH) String headerLength, InputStream body) {
        InferenceRequest request = InferenceHttp.read(server, model, version, headerLength, body,
                services.maxTensorElements());
        return InferenceHttp.respond(request, server.infer(model, version, request));
    }

    @POST
    @Path("generate")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Run a generate request (Triton's generate extension); the final response only")
    public Response generate(InputStream body) {
        InferenceResponse response = server.infer(model, version, generateRequest(body));
        StreamingOutput json = out -> ResponseWriter.writeGenerateResponse(response, out);
        return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build();
    }

    @POST
    @Path("generate_stream")
    @Consumes(MediaType.WILDCARD)
    @Produces(ResponseStreams.EVENT_STREAM)
    @Operation(summary = "Stream every response of a generate request as server-sent events")
    public Response generateStream(InputStream body) {
        InferenceRequest request = generateRequest(body);
        return services.streams().open(responses -> server.inferStream(model, version, request, responses));
    }

    @GET
    @Path("config")
    @Operation(summary = "The model configuration as JSON (as completed by its backend once loaded)")
    public Response config() {
        return Response.ok(services.repository().configJson(server.config(model, version)),
                MediaType.APPLICATION_JSON_TYPE).build();
    }

    private InferenceRequest generateRequest(InputStream body) {
        return GenerateJson.readRequest(body, server.metadata(model, version), services.maxTensorElements());
    }
}
