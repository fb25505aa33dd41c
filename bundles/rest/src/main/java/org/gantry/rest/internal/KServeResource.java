package org.gantry.rest.internal;

import java.io.InputStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.gantry.api.server.TensorMetadata;
import org.gantry.protocol.kserve.RequestReader;
import org.gantry.protocol.kserve.ResponseWriter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
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
@Component(service = KServeResource.class, configurationPid = RestConfig.PID)
@JakartarsResource
@JakartarsName("gantry.kserve")
@GantryExtensions
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "KServe v2", description = "Open Inference Protocol with Triton's extensions")
public class KServeResource {

    /** Protocol extensions this API implements, as server metadata reports them (Triton's names where they exist). */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data", "model_repository",
            "model_repository(unload_dependents)", "model_configuration", "statistics", "schedule_policy",
            "parameters", "generate", "gantry_memory");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String FILE_PREFIX = "file:";
    /** Gantry has no response cache: its hits and misses are always none. */
    private static final ModelStatistics.Duration NONE = new ModelStatistics.Duration(0, 0);

    private final ModelServer server;
    private final ModelRepository repository;
    private final long maxTensorElements;
    private final ResponseStreams streams = new ResponseStreams();

    @Activate
    public KServeResource(@Reference(name = "server") ModelServer server,
            @Reference(name = "repository") ModelRepository repository, RestConfig config) {
        this.server = server;
        this.repository = repository;
        this.maxTensorElements = config.maxTensorElements();
    }

    @Deactivate
    void deactivate() {
        streams.close();
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Operation(summary = "Server metadata: name, version, protocol extensions")
    public Map<String, Object> serverMetadata() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", server.name());
        metadata.put("version", server.version());
        metadata.put("extensions", EXTENSIONS);
        return metadata;
    }

    @PermitAll
    @GET
    @Path("health/live")
    @Operation(summary = "Liveness")
    public Map<String, Object> live() {
        return Map.of("live", true);
    }

    @PermitAll
    @GET
    @Path("health/ready")
    @Operation(summary = "Readiness: 200 when the model repository is readable")
    public Response ready() {
        boolean ready = server.isReady();
        return Response.status(ready ? 200 : 503).entity(Map.of("ready", ready)).build();
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{model}")
    @Operation(summary = "Model metadata: platform, versions, inputs and outputs")
    public Map<String, Object> modelMetadata(@PathParam("model") String model) {
        return metadataJson(server.metadata(model, null));
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{model}/versions/{version}")
    @Operation(summary = "Metadata of one model version")
    public Map<String, Object> modelMetadata(@PathParam("model") String model, @PathParam("version") String version) {
        return metadataJson(server.metadata(model, version));
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/stats")
    @Operation(summary = "Statistics of every model version known to the server (Triton's shape)")
    public Map<String, Object> statistics() {
        return statisticsJson(server.statistics(null, null));
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{model}/stats")
    @Operation(summary = "Statistics of a model's versions")
    public Map<String, Object> statistics(@PathParam("model") String model) {
        return statisticsJson(server.statistics(model, null));
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{model}/versions/{version}/stats")
    @Operation(summary = "Statistics of one model version")
    public Map<String, Object> statistics(@PathParam("model") String model, @PathParam("version") String version) {
        return statisticsJson(server.statistics(model, version));
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{model}/ready")
    @Operation(summary = "Model readiness: 200 when a request would be served now (loaded, or loadable on demand)")
    public Response modelReady(@PathParam("model") String model) {
        return readiness(model, null);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{model}/versions/{version}/ready")
    @Operation(summary = "Readiness of one model version")
    public Response modelReady(@PathParam("model") String model, @PathParam("version") String version) {
        return readiness(model, version);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("models/{model}/infer")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Run an inference (JSON, or a JSON header and binary tensors)")
    public Response infer(@PathParam("model") String model,
            @HeaderParam(InferenceHttp.HEADER_LENGTH) String headerLength, InputStream body) {
        return runInference(model, null, headerLength, body);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("models/{model}/versions/{version}/infer")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Run an inference on one version")
    public Response infer(@PathParam("model") String model, @PathParam("version") String version,
            @HeaderParam(InferenceHttp.HEADER_LENGTH) String headerLength, InputStream body) {
        return runInference(model, version, headerLength, body);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("models/{model}/generate")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Run a generate request (Triton's generate extension); the final response only")
    public Response generate(@PathParam("model") String model, InputStream body) {
        return generate(model, null, body, false);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("models/{model}/versions/{version}/generate")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Run a generate request on one version")
    public Response generate(@PathParam("model") String model, @PathParam("version") String version,
            InputStream body) {
        return generate(model, version, body, false);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("models/{model}/generate_stream")
    @Consumes(MediaType.WILDCARD)
    @Produces(ResponseStreams.EVENT_STREAM)
    @Operation(summary = "Stream every response of a generate request as server-sent events")
    public Response generateStream(@PathParam("model") String model, InputStream body) {
        return generate(model, null, body, true);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("models/{model}/versions/{version}/generate_stream")
    @Consumes(MediaType.WILDCARD)
    @Produces(ResponseStreams.EVENT_STREAM)
    @Operation(summary = "Stream every response of a generate request on one version as server-sent events")
    public Response generateStream(@PathParam("model") String model, @PathParam("version") String version,
            InputStream body) {
        return generate(model, version, body, true);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{model}/config")
    @Operation(summary = "The model configuration as JSON (as completed by its backend once loaded)")
    public Response config(@PathParam("model") String model) {
        return Response.ok(repository.configJson(server.config(model, null)), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{model}/versions/{version}/config")
    @Operation(summary = "The configuration of one model version as JSON")
    public Response config(@PathParam("model") String model, @PathParam("version") String version) {
        return Response.ok(repository.configJson(server.config(model, version)), MediaType.APPLICATION_JSON_TYPE)
                .build();
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("repository/index")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Every model and loaded version with its state and reason; {\"ready\": true} filters")
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

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Path("repository/models/{model}/load")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Load or reload a model, optionally with a configuration ('config') and files ('file:<path>',"
            + " base64) of the caller's")
    public Map<String, Object> load(@PathParam("model") String model, InputStream body) {
        JsonNode parameters = parameters(readOptionalJson(body));
        String config = null;
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> parameter : parameters.properties()) {
            String key = parameter.getKey();
            JsonNode value = parameter.getValue();
            if (key.equals("config")) {
                config = value.isTextual() ? value.textValue() : value.isObject() ? value.toString() : null;
                if (config == null) {
                    throw GantryException.invalidArgument("parameter 'config' must hold the model configuration as"
                            + " JSON (a string or an object)");
                }
            } else if (key.startsWith(FILE_PREFIX)) {
                files.put(key.substring(FILE_PREFIX.length()), base64(key, value));
            }
        }
        server.load(model, new ModelOverride(config, files));
        return Map.of();
    }

    private static byte[] base64(String key, JsonNode value) {
        if (!value.isTextual()) {
            throw GantryException.invalidArgument("parameter '%s' must hold the file's content in base64", key);
        }
        try {
            return Base64.getDecoder().decode(value.textValue());
        } catch (IllegalArgumentException e) {
            throw GantryException.invalidArgument("parameter '%s' is not valid base64: %s", key, e.getMessage());
        }
    }

    private static JsonNode parameters(JsonNode request) {
        JsonNode parameters = request.path("parameters");
        if (parameters.isMissingNode() || parameters.isNull()) {
            return MAPPER.createObjectNode();
        }
        if (!parameters.isObject()) {
            throw GantryException.invalidArgument("'parameters' must be an object");
        }
        return parameters;
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Path("repository/models/{model}/unload")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Unload every version of a model after in-flight requests finish")
    public Map<String, Object> unload(@PathParam("model") String model, InputStream body) {
        JsonNode dependents = parameters(readOptionalJson(body)).path("unload_dependents");
        if (!dependents.isMissingNode() && !dependents.isBoolean()) {
            throw GantryException.invalidArgument("parameter 'unload_dependents' must be a boolean");
        }
        // No model depends on another yet (ensembles are composed per request), so there is nothing more to unload.
        server.unload(model);
        return Map.of();
    }

    /** Ready means a request would be served now (see {@link ModelServer#willServe}), not that it is resident. */
    private Response readiness(String model, String version) {
        boolean ready = server.willServe(model, version);
        if (!ready) {
            server.metadata(model, version); // 404 for a model or version that does not exist
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", model);
        body.put("ready", ready);
        return Response.status(ready ? 200 : 503).entity(body).build();
    }

    private Response runInference(String model, String version, String headerLength, InputStream body) {
        InferenceRequest request = InferenceHttp.read(server, model, version, headerLength, body, maxTensorElements);
        return InferenceHttp.respond(request, server.infer(model, version, request));
    }

    private Response generate(String model, String version, InputStream body, boolean stream) {
        InferenceRequest request = GenerateJson.readRequest(body, server.metadata(model, version), maxTensorElements);
        if (!stream) {
            InferenceResponse response = server.infer(model, version, request);
            StreamingOutput json = out -> ResponseWriter.writeGenerateResponse(response, out);
            return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build();
        }
        return streams.open(responses -> server.inferStream(model, version, request, responses));
    }

    private static JsonNode readOptionalJson(InputStream body) {
        JsonNode node = RequestReader.readTree(body);
        if (node == null) {
            return MAPPER.createObjectNode();
        }
        if (!node.isObject()) {
            throw GantryException.invalidArgument("the request body must be a JSON object");
        }
        return node;
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
        inference.put("cache_hit", durationJson(NONE));
        inference.put("cache_miss", durationJson(NONE));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", stats.name());
        json.put("version", stats.version());
        json.put("last_inference", stats.lastInferenceMillis());
        json.put("inference_count", stats.inferenceCount());
        json.put("execution_count", stats.executionCount());
        json.put("inference_stats", inference);
        json.put("response_stats", Map.of());
        json.put("batch_stats", stats.batchStats().stream().map(KServeResource::batchJson).toList());
        json.put("memory_usage", stats.memoryUsage().stream()
                .map(m -> Map.of("type", m.type(), "id", m.id(), "byte_size", m.bytes())).toList());
        return json;
    }

    private static Map<String, Object> batchJson(ModelStatistics.BatchStatistics batch) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("batch_size", batch.batchSize());
        json.put("compute_input", durationJson(batch.computeInput()));
        json.put("compute_infer", durationJson(batch.computeInfer()));
        json.put("compute_output", durationJson(batch.computeOutput()));
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
