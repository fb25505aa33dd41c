package org.gantry.rest.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.server.ModelServer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Gantry's memory view at {@code /v2/memory}: devices, budgets, what each model holds, what is being freed, what a GPU
 * holds beyond the leases, loads waiting for room, evictions; and pinning.
 * What the memory manager sees, so operators and autoscalers see it too.
 */
@Component(service = MemoryResource.class)
@JakartarsResource
@JakartarsName("gantry.memory")
@GantryExtensions
@Path("/v2/memory")
@Produces(MediaType.APPLICATION_JSON)
public class MemoryResource {

    private final MemoryManager memory;
    private final ModelServer server;

    @Activate
    public MemoryResource(@Reference(name = "memory") MemoryManager memory,
            @Reference(name = "server") ModelServer server) {
        this.memory = memory;
        this.server = server;
    }

    @RolesAllowed(EndpointAccess.INFERENCE)
    @GET
    public Map<String, Object> report() {
        MemoryReport report = memory.report();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("devices", report.devices().stream().map(MemoryResource::deviceJson).toList());
        json.put("evictions", report.evictions());
        json.put("host_tier", hostTierJson(report.hostTier()));
        return json;
    }

    /** Where models evicted from GPUs wait, and how their reloads went: from the host tier (hits) or disk. */
    private static Map<String, Object> hostTierJson(MemoryReport.HostTier tier) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("budget_bytes", tier.budgetBytes());
        json.put("used_bytes", tier.usedBytes());
        json.put("models", tier.entries());
        json.put("parked", tier.parked());
        json.put("dropped", tier.dropped());
        json.put("hits", tier.hits());
        json.put("misses", tier.misses());
        json.put("hit_reload_ms", tier.hitReloadNanos() / 1_000_000.0);
        json.put("miss_reload_ms", tier.missReloadNanos() / 1_000_000.0);
        return json;
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Path("models/{model}/pin")
    @Consumes(MediaType.WILDCARD)
    public Map<String, Object> pin(@PathParam("model") String model) {
        server.pin(model, true);
        return Map.of("name", model, "pinned", true);
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Path("models/{model}/unpin")
    @Consumes(MediaType.WILDCARD)
    public Map<String, Object> unpin(@PathParam("model") String model) {
        server.pin(model, false);
        return Map.of("name", model, "pinned", false);
    }

    private static Map<String, Object> deviceJson(MemoryReport.DeviceMemory device) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", device.name());
        json.put("kind", device.device().kind().name().toLowerCase(Locale.ROOT));
        json.put("capacity_bytes", device.capacityBytes());
        json.put("budget_bytes", device.budgetBytes());
        json.put("used_bytes", device.usedBytes());
        json.put("freeing_bytes", device.freeingBytes()); // evicted, its engine still letting go: counts as used
        if (device.unleasedBytes() >= 0) { // measured on GPUs: context, kernels, allocator cache, kept off the budget
            json.put("unleased_bytes", device.unleasedBytes());
        }
        json.put("waiting_reservations", device.waiting());
        List<Map<String, Object>> models = device.models().stream().map(MemoryResource::leaseJson).toList();
        json.put("models", models);
        return json;
    }

    private static Map<String, Object> leaseJson(MemoryReport.LeaseInfo lease) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", lease.model());
        json.put("version", Long.toString(lease.version()));
        json.put("bytes", lease.bytes());
        json.put("pinned", lease.pinned());
        json.put("last_used_ms", lease.lastUsedMillis());
        json.put("state", lease.state());
        return json;
    }
}
