package org.gantry.status.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import org.gantry.api.memory.MemoryManager;
import org.gantry.api.server.ModelServer;
import org.gantry.protocol.access.GuardedResource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The status page: {@code /status/} serves the page's HTML, CSS and JavaScript from this bundle to anyone (they
 * hold no data), and {@code /status/api/snapshot} the data, which needs the inference token like every endpoint that
 * reads models; the page asks for the token when it gets a 401. Not at {@code /}: SageMaker's resource class holds
 * that path, and the whiteboard does not reliably merge two resource classes on one path.
 */
@Component(service = StatusResource.class)
@JakartarsResource
@JakartarsName("gantry.status")
@GuardedResource
@Path("/status")
public class StatusResource {

    /** Gantry's role of endpoints that read models (see the REST bundle's access control). */
    static final String INFERENCE_ROLE = "gantry.inference";
    /** The page's files, by the name in its URL: a fixed list, so no path can reach anything else. */
    private static final Map<String, String> ASSETS = Map.of("index.html", MediaType.TEXT_HTML + ";charset=utf-8",
            "status.css", "text/css;charset=utf-8", "status.js", "text/javascript;charset=utf-8", "favicon.svg",
            "image/svg+xml");
    /** Everything the page loads comes from this server; nothing from elsewhere may run in it. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:;"
            + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final MemoryManager memory;
    private final ModelServer server;
    private final FleetActivity activity;
    private final IndexCache index;

    @Activate
    public StatusResource(@Reference(name = "memory") MemoryManager memory,
            @Reference(name = "server") ModelServer server, @Reference(name = "activity") FleetActivity activity) {
        this.memory = memory;
        this.server = server;
        this.activity = activity;
        this.index = new IndexCache(server::index, activity::stateChanges, System::currentTimeMillis);
    }

    @Deactivate
    void deactivate() {
        index.close();
    }

    @GET
    @PermitAll
    public Response page() {
        return asset("index.html");
    }

    @GET
    @Path("{asset}")
    @PermitAll
    public Response asset(@PathParam("asset") String name) {
        String type = ASSETS.get(name);
        if (type == null) {
            throw new NotFoundException("the status page has no file '" + name + "'");
        }
        InputStream content = StatusResource.class.getResourceAsStream("/status-page/" + name);
        if (content == null) {
            throw new IllegalStateException("the status bundle lacks its file " + name);
        }
        try (content) {
            return Response.ok(content.readAllBytes(), type).header("Cache-Control", "no-cache")
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Content-Security-Policy", CONTENT_SECURITY_POLICY).build();
        } catch (IOException e) {
            throw new IllegalStateException("reading the status page's " + name + " failed", e);
        }
    }

    /**
     * @param afterEvent the sequence number of the last timeline event the page has: only newer ones are sent
     */
    @GET
    @Path("api/snapshot")
    @RolesAllowed(INFERENCE_ROLE)
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> snapshot(@QueryParam("after") @DefaultValue("0") long afterEvent) {
        Map<String, Object> snapshot = StatusSnapshot.of(memory.report(), index.current(), activity, afterEvent);
        snapshot.put("server", server.name() + " " + server.version());
        return snapshot;
    }
}
