package org.gantry.metrics.internal;

import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.ShadowReport;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Canaries, shadows and capture, read at scrape time from their services (absent services give no samples): requests
 * per version of a split, shadow copies by outcome and their agreement per output, captured exchanges by outcome.
 */
final class SafeUpdateMetrics {

    private SafeUpdateMetrics() {
    }

    static void register(PrometheusRegistry registry, Supplier<TrafficControl> traffic,
            Supplier<CaptureStatistics> capture) {
        CounterWithCallback.builder().name("gantry_traffic_requests")
                .help("Requests answered per version of a model with a canary or a shadow")
                .labelNames("model", "version")
                .callback(c -> reports(traffic).forEach(r -> r.servedByVersion()
                        .forEach((version, count) -> c.call(count, r.model(), version))))
                .register(registry);
        GaugeWithCallback.builder().name("gantry_canary_candidate_share")
                .help("Share of a model's requests without a version that its candidate serves now, 0..1"
                        + " (1 once promoted, 0 once rolled back)")
                .labelNames("model", "candidate_version")
                .callback(c -> reports(traffic).stream().filter(r -> r.candidateVersion() != null)
                        .forEach(r -> c.call(share(r), r.model(), r.candidateVersion())))
                .register(registry);
        CounterWithCallback.builder().name("gantry_shadow_requests")
                .help("Shadow copies by outcome: sent, compared, disagreed (some output differed beyond the tolerance),"
                        + " skipped (the shadow"
                        + " yielded), failed")
                .labelNames("model", "outcome")
                .callback(c -> reports(traffic).stream().filter(r -> r.shadow() != null).forEach(r -> {
                    ShadowReport s = r.shadow();
                    c.call(s.sent(), r.model(), "sent");
                    c.call(s.compared(), r.model(), "compared");
                    c.call(s.disagreed(), r.model(), "disagreed");
                    c.call(s.skipped(), r.model(), "skipped");
                    c.call(s.failed(), r.model(), "failed");
                })).register(registry);
        outputGauge(registry, traffic, "gantry_shadow_exact_match_ratio",
                "Share of compared shadow answers whose output equalled the primary's, 0..1",
                ShadowReport.OutputAgreement::exactMatchRate);
        outputGauge(registry, traffic, "gantry_shadow_agreement_ratio",
                "Share of compared shadow answers whose output agreed with the primary's within the shadow's"
                        + " tolerance, 0..1",
                ShadowReport.OutputAgreement::agreementRate);
        outputGauge(registry, traffic, "gantry_shadow_max_abs_difference",
                "Largest absolute difference of any element between a shadow's output and the primary's",
                ShadowReport.OutputAgreement::maxAbsDifference);
        CounterWithCallback.builder().name("gantry_capture_exchanges")
                .help("Captured exchanges by outcome: sampled, written, dropped (the writer fell behind)")
                .labelNames("model", "outcome")
                .callback(c -> captures(capture).forEach(r -> {
                    c.call(r.sampled(), r.model(), "sampled");
                    c.call(r.written(), r.model(), "written");
                    c.call(r.dropped(), r.model(), "dropped");
                })).register(registry);
        CounterWithCallback.builder().name("gantry_capture_written_bytes").help("Bytes of capture files written")
                .labelNames("model")
                .callback(c -> captures(capture).forEach(r -> c.call(r.bytesWritten(), r.model())))
                .register(registry);
    }

    private static double share(TrafficReport report) {
        return switch (report.state()) {
            case "promoted" -> 1;
            case "rolled_back" -> 0;
            default -> report.candidatePercent() / 100;
        };
    }

    private static List<TrafficReport> reports(Supplier<TrafficControl> traffic) {
        TrafficControl control = traffic.get();
        return control == null ? List.of() : control.reports();
    }

    private static List<CaptureStatistics.CaptureReport> captures(Supplier<CaptureStatistics> capture) {
        CaptureStatistics statistics = capture.get();
        return statistics == null ? List.of() : statistics.reports();
    }

    /** A gauge of one figure of each shadowed model's outputs, labelled by model and output. */
    private static void outputGauge(PrometheusRegistry registry, Supplier<TrafficControl> traffic, String name,
            String help, ToDoubleFunction<ShadowReport.OutputAgreement> figure) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("model", "output").callback(c -> {
            for (TrafficReport report : reports(traffic)) {
                if (report.shadow() != null) {
                    report.shadow().outputs()
                            .forEach(o -> c.call(figure.applyAsDouble(o), report.model(), o.name()));
                }
            }
        }).register(registry);
    }
}
