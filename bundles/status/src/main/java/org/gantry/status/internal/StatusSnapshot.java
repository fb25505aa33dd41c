package org.gantry.status.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.gantry.api.memory.MemoryReport;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;

/**
 * The status page's data in one JSON document: each device with its leases, every model version the runtime knows
 * with its lease, traffic and load in progress, and the timeline events the page has not seen yet. Built from what
 * the memory manager, the runtime's index and {@link FleetActivity} report, and nothing else.
 */
final class StatusSnapshot {

    private StatusSnapshot() {
    }

    /** A lease with the device it is on. */
    private record Placed(String device, MemoryReport.LeaseInfo lease) {
    }

    /**
     * @param afterEvent the last timeline event the page has; 0 for all the timeline keeps
     */
    static Map<String, Object> of(MemoryReport memory, List<ModelStatus> index, FleetActivity activity,
            long afterEvent) {
        long now = activity.now();
        Map<String, List<Placed>> leases = new HashMap<>();
        for (MemoryReport.DeviceMemory device : memory.devices()) {
            for (MemoryReport.LeaseInfo lease : device.models()) {
                leases.computeIfAbsent(key(lease.model(), Long.toString(lease.version())), k -> new ArrayList<>())
                        .add(new Placed(device.name(), lease));
            }
        }
        Map<String, String> reasons = new HashMap<>();
        index.forEach(status -> reasons.put(key(status.name(), status.version()), status.reason()));
        activity.timeline().explain((model, version) -> reasons.get(key(model, Long.toString(version))));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("now_ms", now);
        json.put("timeline_ms", activity.timeline().maxAgeMillis());
        json.put("evictions_total", memory.evictions());
        json.put("devices", memory.devices().stream().map(d -> device(d, activity)).toList());
        List<Map<String, Object>> models = new ArrayList<>(index.size());
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (ModelStatus status : index) {
            models.add(model(status, leases.getOrDefault(key(status.name(), status.version()), List.of()), activity,
                    now));
            counts.merge(status.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        json.put("counts", counts);
        json.put("models", models);
        json.put("events", activity.timeline().after(afterEvent, now).stream().map(StatusSnapshot::event).toList());
        json.put("last_event", activity.timeline().lastSequence());
        return json;
    }

    private static Map<String, Object> device(MemoryReport.DeviceMemory device, FleetActivity activity) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", device.name());
        json.put("kind", device.device().kind().name().toLowerCase(Locale.ROOT));
        json.put("capacity_bytes", device.capacityBytes());
        json.put("budget_bytes", device.budgetBytes());
        json.put("used_bytes", device.usedBytes());
        json.put("leases", device.models().stream().map(lease -> {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("model", lease.model());
            l.put("version", Long.toString(lease.version()));
            l.put("bytes", lease.bytes());
            l.put("pinned", lease.pinned());
            l.put("busy", activity.inFlight(lease.model(), lease.version()) > 0);
            l.put("state", lease.state());
            l.put("last_used_ms", lease.lastUsedMillis());
            return l;
        }).toList());
        return json;
    }

    private static Map<String, Object> model(ModelStatus status, List<Placed> placed, FleetActivity activity,
            long now) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", status.name());
        json.put("version", status.version());
        json.put("state", status.state().name());
        if (!status.reason().isEmpty() && status.state() != ModelState.READY) {
            json.put("reason", status.reason());
        }
        if (!placed.isEmpty()) {
            json.put("devices", placed.stream().map(Placed::device).distinct().toList());
            json.put("bytes", placed.stream().mapToLong(p -> p.lease().bytes()).sum());
            json.put("pinned", placed.stream().anyMatch(p -> p.lease().pinned()));
            json.put("last_used_ms", placed.stream().mapToLong(p -> p.lease().lastUsedMillis()).max().orElse(0));
        }
        long version = parseVersion(status.version());
        if (version >= 0) {
            int busy = activity.inFlight(status.name(), version);
            if (busy > 0) {
                json.put("in_flight", busy);
            }
            FleetActivity.LoadInProgress load = activity.loading(status.name(), version);
            if (load != null && status.state() == ModelState.LOADING) {
                json.put("phase", load.phase().label());
                json.put("phase_ms", now - load.phaseSinceMillis());
                json.put("loading_ms", now - load.startedMillis());
            }
        }
        TrafficWindow traffic = activity.traffic(status.name());
        if (traffic != null) {
            json.put("requests_per_second", traffic.perSecond(now));
            json.put("mean_latency_ms", traffic.meanMillis(now));
        }
        return json;
    }

    private static Map<String, Object> event(Timeline.Event event) {
        Timeline.Happening what = event.what;
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("seq", event.sequence);
        json.put("time_ms", what.timeMillis());
        json.put("kind", what.kind().name().toLowerCase(Locale.ROOT));
        json.put("model", what.model());
        json.put("version", Long.toString(what.version()));
        if (what.durationMillis() > 0) {
            json.put("duration_ms", what.durationMillis());
        }
        if (what.coldStart()) {
            json.put("cold_start", true);
        }
        if (!event.reason().isEmpty()) {
            json.put("reason", event.reason());
        }
        return json;
    }

    private static long parseVersion(String version) {
        try {
            return Long.parseLong(version);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String key(String model, String version) {
        return model + '\n' + version;
    }
}
