package org.gantry.traffic.internal;

import org.gantry.api.model.ModelConfig;

/**
 * Whether a model is captured and how much of it: its parameters {@code capture} ({@code true} or {@code false}) and
 * {@code capture_percent}, else the server-wide defaults.
 */
record CaptureSettings(boolean on, double percent) {

    static final CaptureSettings OFF = new CaptureSettings(false, 0);

    static CaptureSettings of(String model, ModelConfig config, CaptureConfig defaults) {
        String capture = TrafficSettings.blankToNull(config.parameters().get("capture"));
        boolean on = capture == null ? defaults.enabled() : Boolean.parseBoolean(capture);
        double percent = TrafficSettings.percent(model, config.parameters(), "capture_percent",
                defaults.samplePercent());
        return on && percent > 0 ? new CaptureSettings(true, percent) : OFF;
    }
}
