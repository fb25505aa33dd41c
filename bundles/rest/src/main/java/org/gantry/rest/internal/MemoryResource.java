package org.gantry.rest.internal;

import java.util.List;
import java.util.Locale;

import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.server.ModelServer;
import org.gantry.protocol.access.GuardedResource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

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
@GuardedResource
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
    public Report report() {
        return Report.of(memory.report());
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Path("models/{model}/pin")
    @Consumes(MediaType.WILDCARD)
    public Pinned pin(@PathParam("model") String model) {
        server.pin(model, true);
        return new Pinned(model, true);
    }

    @RolesAllowed(EndpointAccess.ADMIN)
    @POST
    @Path("models/{model}/unpin")
    @Consumes(MediaType.WILDCARD)
    public Pinned unpin(@PathParam("model") String model) {
        server.pin(model, false);
        return new Pinned(model, false);
    }

    record Pinned(String name, boolean pinned) {
    }

    record Report(List<Device> devices, long evictions, @JsonProperty("host_tier") HostTier hostTier) {

        static Report of(MemoryReport report) {
            return new Report(report.devices().stream().map(Device::of).toList(), report.evictions(),
                    HostTier.of(report.hostTier()));
        }
    }

    /** A device; {@code unleased_bytes} is measured on GPUs only (context, kernels, allocator cache). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Device(String name, String kind, @JsonProperty("capacity_bytes") long capacityBytes,
            @JsonProperty("budget_bytes") long budgetBytes, @JsonProperty("used_bytes") long usedBytes,
            @JsonProperty("freeing_bytes") long freeingBytes, @JsonProperty("unleased_bytes") Long unleasedBytes,
            @JsonProperty("waiting_reservations") int waitingReservations, List<Lease> models) {

        /** Freeing bytes are evicted models whose engines still let go: they count as used. */
        static Device of(MemoryReport.DeviceMemory device) {
            return new Device(device.name(), device.device().kind().name().toLowerCase(Locale.ROOT),
                    device.capacityBytes(), device.budgetBytes(), device.usedBytes(), device.freeingBytes(),
                    device.unleasedBytes() >= 0 ? device.unleasedBytes() : null, device.waiting(),
                    device.models().stream().map(Lease::of).toList());
        }
    }

    record Lease(String name, String version, long bytes, boolean pinned,
            @JsonProperty("last_used_ms") long lastUsedMs, String state) {

        static Lease of(MemoryReport.LeaseInfo lease) {
            return new Lease(lease.model(), Long.toString(lease.version()), lease.bytes(), lease.pinned(),
                    lease.lastUsedMillis(), lease.state());
        }
    }

    /** Where models evicted from GPUs wait, and how their reloads went: from the host tier (hits) or disk. */
    record HostTier(@JsonProperty("budget_bytes") long budgetBytes, @JsonProperty("used_bytes") long usedBytes,
            int models, long parked, long dropped, long hits, long misses,
            @JsonProperty("hit_reload_ms") double hitReloadMs, @JsonProperty("miss_reload_ms") double missReloadMs) {

        static HostTier of(MemoryReport.HostTier tier) {
            return new HostTier(tier.budgetBytes(), tier.usedBytes(), tier.entries(), tier.parked(), tier.dropped(),
                    tier.hits(), tier.misses(), tier.hitReloadNanos() / 1_000_000.0,
                    tier.missReloadNanos() / 1_000_000.0);
        }
    }
}
