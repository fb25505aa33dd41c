package org.gantry.traffic.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.server.ModelEventListener;
import org.gantry.api.server.ModelServer;
import org.gantry.api.traffic.Exchange;
import org.gantry.api.traffic.ExchangeInterceptor;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Canaries and shadows of every model that configures them: the runtime's {@link ExchangeInterceptor} (routing before
 * a version is chosen, shadow copies after the answer), the operator's {@link TrafficControl}, and a
 * {@link ModelEventListener} ({@link RereadsSettings}) that rereads a model's settings when a version of it loads or
 * unloads.
 */
@Component(service = { ExchangeInterceptor.class, TrafficControl.class, ModelEventListener.class },
        configurationPid = TrafficConfig.PID)
@Designate(ocd = TrafficConfig.class)
public final class ModelTraffic implements ExchangeInterceptor, TrafficControl, RereadsSettings {

    private final SettingsCache<TrafficSettings> settings;
    private final ShadowRunner shadows;
    private final Map<String, CanarySplit> splits = new ConcurrentHashMap<>();
    private final Map<String, ShadowTally> tallies = new ConcurrentHashMap<>();

    private final ServerOnFirstUse server;

    @Activate
    public ModelTraffic(@Reference(name = "server") ComponentServiceObjects<ModelServer> server,
            @Reference(name = "memory") MemoryManager memory, TrafficConfig config) {
        this.server = new ServerOnFirstUse(server);
        this.settings = new SettingsCache<>(model -> this.server.get().config(model, null), TrafficSettings::read,
                TrafficSettings.NONE, System::nanoTime,
                TimeUnit.SECONDS.toNanos(config.settingsRefreshSeconds()));
        this.shadows = new ShadowRunner(this.server, memory, config);
    }

    @Deactivate
    void deactivate() {
        shadows.close();
        server.release();
    }

    @Override
    public String route(String model, InferenceRequest request) {
        TrafficSettings current = settings.get(model);
        if (!current.hasCanary()) {
            return current.primaryVersion();
        }
        return splits.computeIfAbsent(model, m -> new CanarySplit()).route(current, request);
    }

    @Override
    public void exchanged(Exchange exchange) {
        TrafficSettings current = settings.get(exchange.model());
        if (current.isNone()) {
            return;
        }
        if (current.hasCanary()) {
            splits.computeIfAbsent(exchange.model(), m -> new CanarySplit()).served(exchange.servedVersion());
        }
        boolean answeredByShadow = current.shadowModel() != null && current.shadowModel().equals(exchange.model())
                && exchange.servedVersion().equals(current.shadowVersion());
        if (current.hasShadow() && !answeredByShadow) {
            shadows.offer(exchange, current, tallies.computeIfAbsent(exchange.model(), m -> new ShadowTally()));
        }
    }

    @Override
    public TrafficReport promote(String model) {
        return decide(model, CanarySplit.State.PROMOTED);
    }

    @Override
    public TrafficReport rollback(String model) {
        return decide(model, CanarySplit.State.ROLLED_BACK);
    }

    private TrafficReport decide(String model, CanarySplit.State decision) {
        settings.invalidate(model);
        TrafficSettings current = settings.get(model);
        if (!current.hasCanary()) {
            throw GantryException.notFound("model '%s' has no canary: its configuration names no canary_version",
                    model);
        }
        splits.computeIfAbsent(model, m -> new CanarySplit()).decide(decision, current);
        return report(model, current);
    }

    @Override
    public Optional<TrafficReport> report(String model) {
        TrafficSettings current = settings.get(model);
        if (current.isNone() && !splits.containsKey(model) && !tallies.containsKey(model)) {
            return Optional.empty();
        }
        return Optional.of(report(model, current));
    }

    @Override
    public List<TrafficReport> reports() {
        List<TrafficReport> reports = new ArrayList<>();
        TreeSet<String> models = new TreeSet<>(splits.keySet());
        models.addAll(tallies.keySet());
        for (String model : models) {
            report(model).ifPresent(reports::add);
        }
        return reports;
    }

    private TrafficReport report(String model, TrafficSettings current) {
        CanarySplit split = splits.get(model);
        ShadowTally tally = tallies.get(model);
        String state = !current.hasCanary() ? "none"
                : split == null ? CanarySplit.State.CANARY.label() : split.state(current).label();
        return new TrafficReport(model, current.primaryVersion(), current.canaryVersion(), current.canaryPercent(),
                state, split == null ? Map.of() : split.servedByVersion(),
                current.hasShadow() || tally != null ? (tally == null ? new ShadowTally() : tally).report(current)
                        : null);
    }

    @Override
    public SettingsCache<TrafficSettings> settings() {
        return settings;
    }
}
