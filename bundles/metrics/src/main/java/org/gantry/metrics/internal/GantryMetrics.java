package org.gantry.metrics.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.server.Drain;
import org.gantry.api.server.ModelEventListener;
import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.TrafficControl;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * Gantry's metrics, in a registry of its own: per device memory (read from the memory manager at scrape
 * time) and the tiers ({@link TierMetrics}), per model loads, load durations, cold starts, evictions, inferences and
 * their latency, and the server's invocations per second, requests in flight and whether it drains — the signals
 * multi-model endpoints are autoscaled and rolled on.
 */
@Component(service = { GantryMetrics.class, ModelEventListener.class })
public final class GantryMetrics implements ModelEventListener {

    private static final double NANOS_PER_SECOND = 1e9;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final InvocationRate invocations = new InvocationRate(60);
    private final Counter loads;
    private final Counter loadFailures;
    private final Histogram loadDuration;
    private final Histogram warmupDuration;
    private final Counter coldStarts;
    private final Counter evictions;
    private final Counter inferences;
    private final Histogram inferenceDuration;
    /** The server's drain: requests in flight (what autoscalers read as queue depth) and whether it drains. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Drain drain;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile TrafficControl traffic;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile CaptureStatistics capture;

    @Activate
    public GantryMetrics(@Reference(name = "memory") MemoryManager memory) {
        loads = Counter.builder().name("gantry_model_loads").help("Model versions loaded")
                .labelNames("model", "version").register(registry);
        loadFailures = Counter.builder().name("gantry_model_load_failures").help("Model loads that failed")
                .labelNames("model", "version").register(registry);
        loadDuration = Histogram.builder().name("gantry_model_load_duration_seconds").unit(Unit.SECONDS)
                .help("Time to load a model version").classicExponentialUpperBounds(0.001, 2, 16)
                .labelNames("model").register(registry);
        warmupDuration = Histogram.builder().name("gantry_model_warmup_duration_seconds").unit(Unit.SECONDS)
                .help("Time a model version's model_warmup requests took before it was ready")
                .classicExponentialUpperBounds(0.001, 2, 16).labelNames("model").register(registry);
        coldStarts = Counter.builder().name("gantry_model_cold_starts")
                .help("Loads a request had to wait for (the model was not resident)").labelNames("model")
                .register(registry);
        evictions = Counter.builder().name("gantry_model_evictions")
                .help("Model versions evicted to make room for others").labelNames("model").register(registry);
        inferences = Counter.builder().name("gantry_inference_requests").help("Inference requests by outcome")
                .labelNames("model", "version", "status").register(registry);
        inferenceDuration = Histogram.builder().name("gantry_inference_duration_seconds").unit(Unit.SECONDS)
                .help("Inference latency in the server (runtime and backend)")
                .classicExponentialUpperBounds(0.0001, 2, 18).labelNames("model").register(registry);
        GaugeWithCallback.builder().name("gantry_invocations_per_second")
                .help("Inference requests per second over the last minute")
                .callback(c -> c.call(invocations.perSecond()))
                .register(registry);
        GaugeWithCallback.builder().name("gantry_requests_in_flight")
                .help("Requests the server has admitted and not yet answered: waiting for a load or a queue slot, or"
                        + " running")
                .callback(c -> ifDrainPresent(d -> c.call(d.inFlight()))).register(registry);
        GaugeWithCallback.builder().name("gantry_draining")
                .help("1 once the server drains before it stops (readiness is 503, new requests get 503)")
                .callback(c -> ifDrainPresent(d -> c.call(d.isDraining() ? 1 : 0))).register(registry);
        deviceGauge(memory, "gantry_device_capacity_bytes", "Device memory", MemoryReport.DeviceMemory::capacityBytes);
        deviceGauge(memory, "gantry_device_budget_bytes", "Memory models may use on the device",
                MemoryReport.DeviceMemory::budgetBytes);
        deviceGauge(memory, "gantry_device_used_bytes", "Memory leased to models on the device",
                MemoryReport.DeviceMemory::usedBytes);
        deviceGauge(memory, "gantry_device_freeing_bytes",
                "Memory of evicted models whose engines are still freeing it; counts against the budget",
                MemoryReport.DeviceMemory::freeingBytes);
        GaugeWithCallback.builder().name("gantry_device_unleased_bytes")
                .help("Memory the process holds on the device beyond its leases (CUDA context, kernels, allocator"
                        + " cache), as last measured; kept off the budget once above the reserve")
                .labelNames("device")
                .callback(c -> memory.report().devices().stream().filter(d -> d.unleasedBytes() >= 0)
                        .forEach(d -> c.call(d.unleasedBytes(), d.name())))
                .register(registry);
        deviceGauge(memory, "gantry_device_waiting_reservations", "Loads waiting for room on the device",
                MemoryReport.DeviceMemory::waiting);
        deviceGauge(memory, "gantry_device_models", "Models holding memory on the device", d -> d.models().size());
        GaugeWithCallback.builder().name("gantry_device_utilization")
                .help("Leased memory over device capacity, 0..1").labelNames("device")
                .callback(c -> memory.report().devices().forEach(d -> c.call(
                        d.capacityBytes() == 0 ? 0 : (double) d.usedBytes() / d.capacityBytes(), d.name())))
                .register(registry);
        SafeUpdateMetrics.register(registry, () -> traffic, () -> capture);
        TierMetrics.register(registry, memory);
    }

    private void ifDrainPresent(Consumer<Drain> gauge) {
        Drain present = drain;
        if (present != null) {
            gauge.accept(present);
        }
    }

    private void deviceGauge(MemoryManager memory, String name, String help,
            ToDoubleFunction<MemoryReport.DeviceMemory> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("device")
                .callback(c -> memory.report().devices().forEach(d -> c.call(value.applyAsDouble(d), d.name())))
                .register(registry);
    }

    @Override
    public void modelWarmedUp(String model, long version, long durationNanos) {
        warmupDuration.labelValues(model).observe(durationNanos / NANOS_PER_SECOND);
    }

    @Override
    public void modelLoaded(String model, long version, long durationNanos, boolean coldStart) {
        loads.labelValues(model, Long.toString(version)).inc();
        loadDuration.labelValues(model).observe(durationNanos / NANOS_PER_SECOND);
        if (coldStart) {
            coldStarts.labelValues(model).inc();
        }
    }

    @Override
    public void modelLoadFailed(String model, long version) {
        loadFailures.labelValues(model, Long.toString(version)).inc();
    }

    @Override
    public void modelUnloaded(String model, long version, boolean evicted) {
        if (evicted) {
            evictions.labelValues(model).inc();
        }
    }

    @Override
    public void inferenceCompleted(String model, long version, long durationNanos, boolean success) {
        inferences.labelValues(model, Long.toString(version), success ? "success" : "failure").inc();
        inferenceDuration.labelValues(model).observe(durationNanos / NANOS_PER_SECOND);
        invocations.record();
    }

    /** Writes every metric in Prometheus' text format (version 0.0.4). */
    void write(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }
}
