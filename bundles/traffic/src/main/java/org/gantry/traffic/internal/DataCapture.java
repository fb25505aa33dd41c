package org.gantry.traffic.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.gantry.api.server.ModelEventListener;
import org.gantry.api.server.ModelServer;
import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.Exchange;
import org.gantry.api.traffic.ExchangeInterceptor;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Data capture: an {@link ExchangeInterceptor} that draws each captured model's sample on the request path and hands
 * it to the {@link CaptureWriter}, the {@link CaptureStatistics} of what was written and dropped, and a
 * {@link ModelEventListener} ({@link RereadsSettings}) that rereads a model's settings when a version of it loads or
 * unloads.
 */
@Component(service = { ExchangeInterceptor.class, CaptureStatistics.class, ModelEventListener.class },
        configurationPid = CaptureConfig.PID)
@Designate(ocd = CaptureConfig.class)
public final class DataCapture implements ExchangeInterceptor, CaptureStatistics, RereadsSettings {

    /** How long a model's capture settings are kept before its configuration is read again. */
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final SettingsCache<CaptureSettings> settings;
    private final CaptureWriter writer;
    private final Map<String, CaptureTally> tallies = new ConcurrentSkipListMap<>();

    private final ServerOnFirstUse server;

    @Activate
    public DataCapture(@Reference(name = "server") ComponentServiceObjects<ModelServer> server, CaptureConfig config) {
        this.server = new ServerOnFirstUse(server);
        this.settings = new SettingsCache<>(model -> this.server.get().config(model, null),
                (model, configs) -> CaptureSettings.of(model, configs.apply(model), config), CaptureSettings.OFF,
                System::nanoTime, REFRESH_NANOS);
        Path directory = config.directory().isBlank()
                ? Path.of(System.getProperty("karaf.data", System.getProperty("java.io.tmpdir")), "gantry", "capture")
                : Path.of(config.directory());
        this.writer = new CaptureWriter(directory, config);
    }

    @Deactivate
    void deactivate() {
        writer.close();
        server.release();
    }

    @Override
    public void exchanged(Exchange exchange) {
        CaptureSettings current = settings.get(exchange.model());
        if (!current.on()
                || current.percent() < 100 && ThreadLocalRandom.current().nextDouble(100) >= current.percent()) {
            return;
        }
        CaptureTally tally = tallies.computeIfAbsent(exchange.model(), m -> new CaptureTally());
        tally.sampled.increment();
        writer.offer(exchange, tally);
    }

    @Override
    public List<CaptureReport> reports() {
        List<CaptureReport> reports = new ArrayList<>();
        tallies.forEach((model, tally) -> reports.add(tally.report(model)));
        return reports;
    }

    @Override
    public SettingsCache<CaptureSettings> settings() {
        return settings;
    }
}
