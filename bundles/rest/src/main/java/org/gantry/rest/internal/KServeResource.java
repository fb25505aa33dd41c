package org.gantry.rest.internal;

import java.io.InputStream;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.server.ModelServer;
import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.server.ModelState;
import org.gantry.protocol.access.GuardedResource;
import org.gantry.protocol.kserve.LoadParameters;
import org.gantry.protocol.kserve.RequestReader;
import org.gantry.rest.internal.KServeViews.IndexEntry;
import org.gantry.rest.internal.KServeViews.Live;
import org.gantry.rest.internal.KServeViews.Ready;
import org.gantry.rest.internal.KServeViews.ServerMetadata;
import org.gantry.rest.internal.KServeViews.Statistics;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
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
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The KServe v2 / Open Inference Protocol REST API at {@code /v2}, with Triton's model repository extension.
 * Translation only: every decision is the {@link ModelServer}'s. The endpoints of one model (and of one of its
 * versions) are {@link ModelEndpoints}; the bodies are {@link KServeViews}.
 */
@Component(service = KServeResource.class, configurationPid = RestConfig.PID)
@JakartarsResource
@JakartarsName("gantry.kserve")
@GuardedResource
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "KServe v2", description = "Open Inference Protocol with Triton's extensions")
public class KServeResource {

    /** Protocol extensions this API implements, as server metadata reports them (Triton's names where they exist). */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data", "model_repository",
            "model_repository(unload_dependents)", "model_configuration", "statistics", "schedule_policy",
            "parameters", "generate", "gantry_memory");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ModelServer server;
    private final ModelEndpoints.Services services;
    /** Present where the traffic bundle runs: the statistics then carry each model's safe-update summary. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private volatile TrafficControl traffic;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private volatile CaptureStatistics capture;

    @Activate
    public KServeResource(@Reference(name = "server") ModelServer server,
            @Reference(name = "repository") ModelRepository repository, RestConfig config) {
        this.server = server;
        this.services = new ModelEndpoints.Services(server, repository, config.maxTensorElements(),
                new ResponseStreams(), new SafeUpdates(() -> traffic, () -> capture));
    }

    @Deactivate
    void deactivate() {
        services.streams().close();
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Operation(summary = "Server metadata: name, version, protocol extensions")
    public ServerMetadata serverMetadata() {
        return new ServerMetadata(server.name(), server.version(), EXTENSIONS);
    }

    @PermitAll
    @GET
    @Path("health/live")
    @Operation(summary = "Liveness")
    public Live live() {
        return new Live(true);
    }

    @PermitAll
    @GET
    @Path("health/ready")
    @Operation(summary = "Readiness: 200 when the model repository is readable")
    public Response ready() {
        boolean ready = server.isReady();
        return Response.status(ready ? 200 : 503).entity(new Ready(ready)).build();
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/stats")
    @Operation(summary = "Statistics of every model version known to the server (Triton's shape)")
    public Statistics statistics() {
        return Statistics.of(server.statistics(null, null), services.safeUpdates().of(null));
    }

    /** The endpoints of a model, each answered by the version the server picks. */
    @Path("models/{model}")
    public ModelEndpoints model(@PathParam("model") String model) {
        return new ModelEndpoints(services, model, null);
    }

    /** The same endpoints for one version of a model. */
    @Path("models/{model}/versions/{version}")
    public ModelEndpoints version(@PathParam("model") String model, @PathParam("version") String version) {
        return new ModelEndpoints(services, model, version);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("repository/index")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Every model and loaded version with its state and reason; {\"ready\": true} filters")
    public List<IndexEntry> repositoryIndex(InputStream body) {
        JsonNode request = readOptionalJson(body);
        JsonNode readyFilter = request.path("ready");
        if (!readyFilter.isMissingNode() && !readyFilter.isBoolean()) {
            throw GantryException.invalidArgument("'ready' must be a boolean");
        }
        return server.index().stream()
                .filter(s -> !readyFilter.isBoolean() || (s.state() == ModelState.READY) == readyFilter.booleanValue())
                .map(IndexEntry::of)
                .toList();
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Path("repository/models/{model}/load")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Load or reload a model, optionally with a configuration ('config') and files ('file:<path>',"
            + " base64) of the caller's")
    public Map<String, Object> load(@PathParam("model") String model, InputStream body) {
        server.load(model, LoadParameters.override(parameters(readOptionalJson(body)).properties(), JSON_VALUES));
        return Map.of();
    }

    /** A load's parameters in JSON: the configuration as a string or an object, a file's content in base64. */
    private static final LoadParameters.Values<JsonNode> JSON_VALUES = new LoadParameters.Values<>() {
        @Override
        public String config(JsonNode value) {
            if (value.isTextual() || value.isObject()) {
                return value.isTextual() ? value.textValue() : value.toString();
            }
            throw GantryException.invalidArgument("parameter 'config' must hold the model configuration as JSON"
                    + " (a string or an object)");
        }

        @Override
        public byte[] file(String key, JsonNode value) {
            if (!value.isTextual()) {
                throw GantryException.invalidArgument("parameter '%s' must hold the file's content in base64", key);
            }
            try {
                return Base64.getDecoder().decode(value.textValue());
            } catch (IllegalArgumentException e) {
                throw GantryException.invalidArgument("parameter '%s' is not valid base64: %s", key, e.getMessage());
            }
        }
    };

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
        JsonNode dependents = parameters(readOptionalJson(body)).path(LoadParameters.UNLOAD_DEPENDENTS);
        if (!dependents.isMissingNode() && !dependents.isBoolean()) {
            throw GantryException.invalidArgument("parameter 'unload_dependents' must be a boolean");
        }
        // No model depends on another yet (ensembles are composed per request), so there is nothing more to unload.
        server.unload(model);
        return Map.of();
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
}
