package org.gantry.metrics.internal;

import java.util.function.ToDoubleFunction;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.Unit;

import org.gantry.api.backend.Device;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;

/**
 * The tiers, read from the memory manager at scrape time: where each resident model is (a GPU, the host, or the
 * host tier; a model not listed is on disk), the host tier's budget and use, and reloads of models evicted from GPUs
 * by where they came from (the host tier: hits; disk: misses) with their time.
 */
final class TierMetrics {

    private static final double NANOS_PER_SECOND = 1e9;

    private TierMetrics() {
    }

    static void register(PrometheusRegistry registry, MemoryManager memory) {
        GaugeWithCallback.builder().name("gantry_model_tier")
                .help("1 for each tier a model version is in: a GPU (cuda:N), the host (cpu) or the host tier"
                        + " (host_tier, its weights waiting in host memory); a model in none is on disk")
                .labelNames("model", "version", "tier")
                .callback(c -> {
                    for (MemoryReport.DeviceMemory device : memory.report().devices()) {
                        for (MemoryReport.LeaseInfo lease : device.models()) {
                            c.call(1, lease.model(), Long.toString(lease.version()), tier(device.device(), lease));
                        }
                    }
                })
                .register(registry);
        tierGauge(registry, memory, "gantry_host_tier_budget_bytes",
                "Host memory that models evicted from GPUs may wait in", MemoryReport.HostTier::budgetBytes);
        tierGauge(registry, memory, "gantry_host_tier_used_bytes", "Host memory that models evicted from GPUs hold",
                MemoryReport.HostTier::usedBytes);
        tierGauge(registry, memory, "gantry_host_tier_models", "Model instances waiting in the host tier",
                MemoryReport.HostTier::entries);
        CounterWithCallback.builder().name("gantry_host_tier_dropped")
                .help("Model instances sent from the host tier on to disk to make room")
                .callback(c -> c.call(memory.report().hostTier().dropped())).register(registry);
        SummaryWithCallback.builder().name("gantry_tier_reload_seconds").unit(Unit.SECONDS)
                .help("Reloads of models evicted from GPUs by where they came from: host_tier (tier hits) or disk"
                        + " (tier misses)")
                .labelNames("from")
                .callback(c -> {
                    MemoryReport.HostTier tier = memory.report().hostTier();
                    c.call(tier.hits(), tier.hitReloadNanos() / NANOS_PER_SECOND, Quantiles.EMPTY, "host_tier");
                    c.call(tier.misses(), tier.missReloadNanos() / NANOS_PER_SECOND, Quantiles.EMPTY, "disk");
                })
                .register(registry);
    }

    static String tier(Device device, MemoryReport.LeaseInfo lease) {
        return "HOST_TIER".equals(lease.state()) || "RESTORING".equals(lease.state()) ? "host_tier" : device.name();
    }

    private static void tierGauge(PrometheusRegistry registry, MemoryManager memory, String name, String help,
            ToDoubleFunction<MemoryReport.HostTier> value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(c -> c.call(value.applyAsDouble(memory.report().hostTier()))).register(registry);
    }
}
