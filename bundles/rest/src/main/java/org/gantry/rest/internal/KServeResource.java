package org.gantry.rest.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.gantry.api.server.TensorMetadata;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtensionSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * The KServe v2 / Open Inference Protocol REST API at {@code /v2}, with Triton's model repository extension.
 * Translation only: every decision is the {@link ModelServer}'s.
 */
@Component(service = KServeResource.class)
@JakartarsResource
@JakartarsName("gantry.kserve")
@JakartarsExtensionSelect({ "(osgi.jakartars.name=" + JacksonExtension.NAME + ")",
        "(osgi.jakartars.name=" + ErrorMapper.NAME + ")" })
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class KServeResource {

    /** Protocol extensions this API implements, as server metadata reports them. */
    static final List<String> EXTENSIONS = List.of("model_repository", "statistics", "gantry_memory");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ModelServer server;

    @Activate
    public KServeResource(@Reference(name = "server") ModelServer server) {
        this.server = server;
    }

    @GET
    public Map<String, Object> serverMetadata() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", server.name());
        metadata.put("version", server.version());
        metadata.put("extensions", EXTENSIONS);
        return metadata;
    }

    @GET
    @Path("health/live")
    public Map<String, Object> live() {
        return Map.of("live", true);
    }

    @GET
    @Path("health/ready")
    public Response ready() {
        boolean ready = server.isReady();
        return Response.status(ready ? 200 : 503).entity(Map.of("ready", ready)).build();
    }

    @GET
    @Path("models/{model}")
    public Map<String, Object> modelMetadata(@PathParam("model") String model) {
        return metadataJson(server.metadata(model, null));
    }

    @GET
    @Path("models/{model}/versions/{version}")
    public Map<String, Object> modelMetadata(@PathParam("model") String model, @PathParam("version") String version) {
        return metadataJson(server.metadata(model, version));
    }

    @GET
    @Path("models/stats")
    public Map<String, Object> statistics() {
        return statisticsJson(server.statistics(null, null));
    }

    @GET
    @Path("models/{model}/stats")
    public Map<String, Object> statistics(@PathParam("model") String model) {
        return statisticsJson(server.statistics(model, null));
    }

    @GET
    @Path("models/{model}/versions/{version}/stats")
    public Map<String, Object> statistics(@PathParam("model") String model, @PathParam("version") String version) {
        return statisticsJson(server.statistics(model, version));
    }

    @GET
    @Path("models/{model}/ready")
    public Response modelReady(@PathParam("model") String model) {
        return readiness(model, null);
    }

    @GET
    @Path("models/{model}/versions/{version}/ready")
    public Response modelReady(@PathParam("model") String model, @PathParam("version") String version) {
        return readiness(model, version);
    }

    @POST
    @Path("models/{model}/infer")
    @Consumes(MediaType.WILDCARD)
    public Response infer(@PathParam("model") String model, InputStream body) {
        return runInference(model, null, body);
    }

    @POST
    @Path("models/{model}/versions/{version}/infer")
    @Consumes(MediaType.WILDCARD)
    public Response infer(@PathParam("model") String model, @PathParam("version") String version, InputStream body) {
        return runInference(model, version, body);
    }

    @POST
    @Path("repository/index")
    @Consumes(MediaType.WILDCARD)
    public List<Map<String, Object>> repositoryIndex(InputStream body) {
        JsonNode request = readOptionalJson(body);
        JsonNode readyFilter = request.path("ready");
        if (!readyFilter.isMissingNode() && !readyFilter.isBoolean()) {
            throw GantryException.invalidArgument("'ready' must be a boolean");
        }
        return server.index().stream()
                .filter(s -> !readyFilter.isBoolean() || (s.state() == ModelState.READY) == readyFilter.booleanValue())
                .map(KServeResource::statusJson)
                .toList();
    }

    @POST
    @Path("repository/models/{model}/load")
    @Consumes(MediaType.WILDCARD)
    public Map<String, Object> load(@PathParam("model") String model, InputStream body) {
        readOptionalJson(body);
        server.load(model);
        return Map.of();
    }

    @POST
    @Path("repository/models/{model}/unload")
    @Consumes(MediaType.WILDCARD)
    public Map<String, Object> unload(@PathParam("model") String model, InputStream body) {
        readOptionalJson(body);
        server.unload(model);
        return Map.of();
    }

    private Response readiness(String model, String version) {
        boolean ready = server.isModelReady(model, version);
        if (!ready) {
            server.metadata(model, version); // 404 for a model or version that does not exist
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", model);
        body.put("ready", ready);
        return Response.status(ready ? 200 : 503).entity(body).build();
    }

    private Response runInference(String model, String version, InputStream body) {
        InferenceRequest request = InferenceJson.readRequest(body);
        InferenceResponse response = server.infer(model, version, request);
        StreamingOutput json = out -> InferenceJson.writeResponse(response, out);
        return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static JsonNode readOptionalJson(InputStream body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                return MAPPER.createObjectNode();
            }
            if (!node.isObject()) {
                throw GantryException.invalidArgument("the request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw InferenceJson.malformed(e);
        } catch (IOException e) {
            throw GantryException.invalidArgument("could not read the request body: %s", e.getMessage());
        }
    }

    private static Map<String, Object> metadataJson(ModelMetadata metadata) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", metadata.name());
        json.put("versions", metadata.versions());
        json.put("platform", metadata.platform());
        json.put("inputs", metadata.inputs().stream().map(KServeResource::tensorJson).toList());
        json.put("outputs", metadata.outputs().stream().map(KServeResource::tensorJson).toList());
        return json;
    }

    private static Map<String, Object> tensorJson(TensorMetadata tensor) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", tensor.name());
        json.put("datatype", tensor.dataType().name());
        json.put("shape", tensor.shape());
        return json;
    }

    /** Triton's statistics extension shape. */
    private static Map<String, Object> statisticsJson(List<ModelStatistics> statistics) {
        return Map.of("model_stats", statistics.stream().map(KServeResource::modelStatisticsJson).toList());
    }

    private static Map<String, Object> modelStatisticsJson(ModelStatistics stats) {
        Map<String, Object> inference = new LinkedHashMap<>();
        inference.put("success", durationJson(stats.success()));
        inference.put("fail", durationJson(stats.fail()));
        inference.put("queue", durationJson(stats.queue()));
        inference.put("compute_input", durationJson(stats.computeInput()));
        inference.put("compute_infer", durationJson(stats.computeInfer()));
        inference.put("compute_output", durationJson(stats.computeOutput()));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", stats.name());
        json.put("version", stats.version());
        json.put("last_inference", stats.lastInferenceMillis());
        json.put("inference_count", stats.inferenceCount());
        json.put("execution_count", stats.executionCount());
        json.put("inference_stats", inference);
        json.put("memory_usage", stats.memoryUsage().stream()
                .map(m -> Map.of("type", m.type(), "id", m.id(), "byte_size", m.bytes())).toList());
        return json;
    }

    private static Map<String, Object> durationJson(ModelStatistics.Duration duration) {
        return Map.of("count", duration.count(), "ns", duration.nanos());
    }

    private static Map<String, Object> statusJson(ModelStatus status) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", status.name());
        if (!status.version().isEmpty()) {
            json.put("version", status.version());
        }
        json.put("state", status.state().name());
        json.put("reason", status.reason());
        return json;
    }
}
