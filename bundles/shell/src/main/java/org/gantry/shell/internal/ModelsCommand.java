package org.gantry.shell.internal;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.ModelStatus;

/** The repository index: every model version and its state. */
@Service
@Command(scope = "gantry", name = "models", description = "Lists the models of the repository: state, tier (GPU,"
        + " host, host tier, disk), device, memory, last use")
public class ModelsCommand implements Action {

    @Reference
    ModelServer server;

    @Reference
    MemoryManager memory;

    @Override
    public Object execute() {
        Map<String, ModelStatistics> statistics = new HashMap<>();
        for (ModelStatistics stats : server.statistics(null, null)) {
            statistics.put(stats.name() + "/" + stats.version(), stats);
        }
        ShellTable table = new ShellTable();
        Map<String, String> tiers = tiers(memory.report());
        for (String column : List.of("Model", "Version", "State", "Tier", "Device", "Bytes", "Last used", "Reason")) {
            table.column(column);
        }
        for (ModelStatus status : server.index()) {
            ModelStatistics stats = statistics.get(status.name() + "/" + status.version());
            String devices = "";
            long bytes = 0;
            String lastUsed = "";
            if (stats != null) {
                devices = stats.memoryUsage().stream().map(m -> m.type().toLowerCase(Locale.ROOT)
                        + (m.type().equals("GPU") ? ":" + m.id() : "")).distinct().collect(Collectors.joining(","));
                bytes = stats.memoryUsage().stream().mapToLong(ModelStatistics.MemoryUsage::bytes).sum();
                lastUsed = stats.lastInferenceMillis() == 0 ? ""
                        : Instant.ofEpochMilli(stats.lastInferenceMillis()).truncatedTo(ChronoUnit.SECONDS).toString();
            }
            String tier = tiers.getOrDefault(status.name() + "/" + status.version(), "disk");
            table.addRow().addContent(status.name(), status.version(), status.state(), tier, devices,
                    bytes == 0 ? "" : Long.toString(bytes), lastUsed, status.reason());
        }
        table.print(System.out);
        return null;
    }

    /** Per model version, where its memory is: a GPU (cuda:N), the host (cpu), or the host tier; else disk. */
    private static Map<String, String> tiers(MemoryReport report) {
        Map<String, String> tiers = new HashMap<>();
        for (MemoryReport.DeviceMemory device : report.devices()) {
            for (MemoryReport.LeaseInfo lease : device.models()) {
                boolean parked = "HOST_TIER".equals(lease.state()) || "RESTORING".equals(lease.state());
                tiers.merge(lease.model() + "/" + lease.version(), parked ? "host tier" : device.name(),
                        (a, b) -> a.equals(b) ? a : a + "," + b);
            }
        }
        return tiers;
    }
}
