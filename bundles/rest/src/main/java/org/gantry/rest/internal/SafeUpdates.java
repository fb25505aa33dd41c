package org.gantry.rest.internal;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.protocol.traffic.SafeUpdateSummary;

/**
 * Canaries, shadows and capture as the statistics report them, from the traffic bundle's services where they run
 * (absent services: nothing to report).
 */
final class SafeUpdates {

    private final Supplier<TrafficControl> traffic;
    private final Supplier<CaptureStatistics> capture;

    SafeUpdates(Supplier<TrafficControl> traffic, Supplier<CaptureStatistics> capture) {
        this.traffic = traffic;
        this.capture = capture;
    }

    /** The model's summary, or none; every model's with a null model. */
    List<Map<String, Object>> of(String model) {
        return model == null ? SafeUpdateSummary.all(traffic.get(), capture.get())
                : SafeUpdateSummary.of(model, traffic.get(), capture.get()).stream().toList();
    }
}
