package org.gantry.rest.internal;

import java.io.InputStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.server.ModelServer;
import org.gantry.protocol.access.GuardedResource;
import org.gantry.protocol.kserve.RequestReader;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import com.fasterxml.jackson.databind.JsonNode;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * SageMaker's multi-model container contract, so that a multi-model endpoint can host Gantry unchanged: SageMaker
 * adds models from the folders it downloaded them to ({@code POST /models}), unloads them when memory runs short
 * (it reacts to 507), and routes invocations by the {@code X-Amzn-SageMaker-Target-Model} header. Bodies are
 * KServe v2 requests, as with Triton's SageMaker front end, including its binary content type.
 */
@Component(service = SageMakerResource.class, configurationPid = RestConfig.PID)
@JakartarsResource
@JakartarsName("gantry.sagemaker")
@GuardedResource
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "SageMaker", description = "Multi-model container contract")
public class SageMakerResource {

    static final String TARGET_MODEL = "X-Amzn-SageMaker-Target-Model";
    /**
     * SageMaker passes InvokeEndpoint's CustomAttributes in this header. Real-time endpoints and inference components
     * (Gantry's way onto GPUs) take no TargetModel, so there a client names the model as {@code model=<name>} here.
     */
    static final String CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes";
    /** Triton's SageMaker content type for a JSON header followed by binary tensors. */
    static final String BINARY_JSON = "application/vnd.sagemaker-triton.binary+json";
    private static final String HEADER_SIZE = "json-header-size";
    private static final int DEFAULT_PAGE_SIZE = 100;

    private final ModelServer server;
    private final long maxTensorElements;

    @Activate
    public SageMakerResource(@Reference(name = "server") ModelServer server, RestConfig config) {
        this.server = server;
        this.maxTensorElements = config.maxTensorElements();
    }

    @PermitAll
    @GET
    @Path("ping")
    @Operation(summary = "Health check: 200 when the server can serve")
    public Response ping() {
        return Response.status(server.isReady() ? 200 : 503).entity(Map.of()).build();
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("invocations")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Run an inference on the model named by the X-Amzn-SageMaker-Target-Model header, or by"
            + " model=<name> in X-Amzn-SageMaker-Custom-Attributes")
    public Response invocations(@HeaderParam(TARGET_MODEL) String target,
            @HeaderParam(CUSTOM_ATTRIBUTES) String customAttributes, @HeaderParam("Content-Type") String type,
            @HeaderParam(InferenceHttp.HEADER_LENGTH) String headerLength, InputStream body) {
        String model = target != null && !target.isBlank() ? target : modelAttribute(customAttributes);
        if (model == null) {
            throw GantryException.invalidArgument("name the model: the %s header (multi-model endpoints), or"
                    + " model=<name> in %s (real-time endpoints and inference components)", TARGET_MODEL,
                    CUSTOM_ATTRIBUTES);
        }
        return invoke(model, type, headerLength, body);
    }

    /** The value of {@code model=} in custom attributes such as {@code model=customer-a,trace=on}, or null. */
    static String modelAttribute(String customAttributes) {
        if (customAttributes == null) {
            return null;
        }
        for (String attribute : customAttributes.split("[,;]")) {
            String[] pair = attribute.split("=", 2);
            if (pair.length == 2 && pair[0].trim().equals("model") && !pair[1].isBlank()) {
                return pair[1].trim();
            }
        }
        return null;
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Path("models")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Load a model from a local folder: {\"model_name\", \"url\"}; 409 if loaded, 507 if it"
            + " cannot fit")
    public Map<String, Object> load(InputStream body) {
        JsonNode request = readJson(body);
        String name = requiredText(request, "model_name");
        String url = requiredText(request, "url");
        java.nio.file.Path folder;
        try {
            folder = Paths.get(url);
        } catch (InvalidPathException e) {
            throw GantryException.invalidArgument("'url' is not a path: %s", e.getReason());
        }
        if (!folder.isAbsolute()) {
            throw GantryException.invalidArgument("'url' must be an absolute path to the model's folder, not '%s'",
                    url);
        }
        server.add(name, folder);
        return modelJson(name, folder);
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models")
    @Operation(summary = "The loaded models, a page at a time (next_page_token, limit)")
    public Map<String, Object> list(@QueryParam("next_page_token") String pageToken,
            @QueryParam("limit") String limit) {
        int pageSize = limit == null ? DEFAULT_PAGE_SIZE : pageSize(limit);
        int start = pageStart(pageToken);
        List<Map<String, Object>> page = new ArrayList<>();
        SortedMap<String, java.nio.file.Path> models = server.addedModels();
        int index = 0;
        for (Map.Entry<String, java.nio.file.Path> model : models.entrySet()) {
            if (index >= start && page.size() < pageSize) {
                page.add(modelJson(model.getKey(), model.getValue()));
            }
            index++;
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("models", page);
        if (start + page.size() < models.size()) {
            json.put("nextPageToken", Integer.toString(start + page.size()));
        }
        return json;
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    @Path("models/{name}")
    @Operation(summary = "One loaded model")
    public Map<String, Object> describe(@PathParam("name") String name) {
        java.nio.file.Path folder = server.addedModels().get(name);
        if (folder == null) {
            throw GantryException.notFound("model '%s' is not loaded", name);
        }
        return modelJson(name, folder);
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @DELETE
    @Path("models/{name}")
    @Operation(summary = "Unload a model; 404 if it is not loaded")
    public Map<String, Object> unload(@PathParam("name") String name) {
        server.remove(name);
        return Map.of();
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @POST
    @Path("models/{name}/invoke")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Run an inference on a loaded model")
    public Response invoke(@PathParam("name") String name, @HeaderParam("Content-Type") String type,
            @HeaderParam(InferenceHttp.HEADER_LENGTH) String headerLength, InputStream body) {
        String jsonLength = headerLength != null ? headerLength : headerSize(type);
        InferenceRequest request = InferenceHttp.read(server, name, null, jsonLength, body, maxTensorElements);
        Response response = InferenceHttp.respond(request, server.infer(name, null, request));
        Object binaryHeader = response.getHeaders().getFirst(InferenceHttp.HEADER_LENGTH);
        if (binaryHeader == null || headerLength != null) {
            return response;
        }
        // Answer in the client's dialect: Triton's SageMaker binary content type carries the header size.
        return Response.fromResponse(response).type(BINARY_JSON + ";" + HEADER_SIZE + "=" + binaryHeader).build();
    }

    /** The JSON header size from Triton's SageMaker binary content type, or null. */
    static String headerSize(String contentType) {
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith(BINARY_JSON)) {
            return null;
        }
        for (String parameter : contentType.split(";")) {
            String[] pair = parameter.trim().split("=", 2);
            if (pair.length == 2 && pair[0].trim().equalsIgnoreCase(HEADER_SIZE)) {
                return pair[1].trim();
            }
        }
        throw GantryException.invalidArgument("content type %s needs a %s parameter", BINARY_JSON, HEADER_SIZE);
    }

    private static int pageStart(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            int start = Integer.parseInt(token);
            if (start >= 0) {
                return start;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw GantryException.invalidArgument("'next_page_token' '%s' is not one this server gave", token);
    }

    private static Map<String, Object> modelJson(String name, java.nio.file.Path folder) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("modelName", name);
        json.put("modelUrl", folder.toString());
        return json;
    }

    /** The page size a client asked for: a bad one is the client's mistake (400), not an unknown resource. */
    private static int pageSize(String limit) {
        try {
            int pageSize = Integer.parseInt(limit.trim());
            if (pageSize >= 1) {
                return pageSize;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw GantryException.invalidArgument("'limit' must be a whole number of at least 1, not '%s'", limit);
    }

    private static JsonNode readJson(InputStream body) {
        JsonNode node = RequestReader.readTree(body);
        if (node == null || !node.isObject()) {
            throw GantryException.invalidArgument("the request body must be a JSON object");
        }
        return node;
    }

    private static String requiredText(JsonNode request, String field) {
        JsonNode value = request.path(field);
        if (!value.isTextual() || value.textValue().isBlank()) {
            throw GantryException.invalidArgument("'%s' is required and must be a string", field);
        }
        return value.textValue();
    }
}
