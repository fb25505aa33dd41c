package org.gantry.protocol.traffic;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.ShadowReport;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;

/**
 * One model's canary, shadow and capture as JSON (maps and lists, for any JSON writer): {@code model}, the
 * {@code canary} (primary, candidate, percent, state), {@code served_by_version}, the {@code shadow} (counts, the
 * tolerance, and per output the agreement and exact-match rates and the largest difference) and the {@code capture}
 * counts; parts a model does not have are left out.
 */
public final class SafeUpdateSummary {

    private SafeUpdateSummary() {
    }

    /** The model's summary; empty when it has no canary, shadow or capture (or no request reached them yet). */
    public static Optional<Map<String, Object>> of(String model, TrafficControl traffic, CaptureStatistics capture) {
        Optional<TrafficReport> report = traffic == null ? Optional.empty() : traffic.report(model);
        Optional<CaptureStatistics.CaptureReport> captured = capture == null
                ? Optional.empty()
                : capture.reports().stream().filter(r -> r.model().equals(model)).findFirst();
        if (report.isEmpty() && captured.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> json = report.map(SafeUpdateSummary::of).orElseGet(() -> named(model));
        captured.ifPresent(c -> json.put("capture", capture(c)));
        return Optional.of(json);
    }

    /**
     * The summaries of every model that has a canary, shadow or capture, by model name: each service's reports are
     * read once.
     */
    public static List<Map<String, Object>> all(TrafficControl traffic, CaptureStatistics capture) {
        Map<String, Map<String, Object>> byModel = new TreeMap<>();
        if (traffic != null) {
            traffic.reports().forEach(r -> byModel.put(r.model(), of(r)));
        }
        if (capture != null) {
            capture.reports().forEach(c -> byModel.computeIfAbsent(c.model(), SafeUpdateSummary::named)
                    .put("capture", capture(c)));
        }
        return List.copyOf(byModel.values());
    }

    private static Map<String, Object> named(String model) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        return json;
    }

    private static Map<String, Object> capture(CaptureStatistics.CaptureReport captured) {
        return Map.of("sampled", captured.sampled(), "written", captured.written(), "dropped", captured.dropped(),
                "bytes_written", captured.bytesWritten());
    }

    /** A split's and shadow's report, without capture counts. */
    public static Map<String, Object> of(TrafficReport report) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", report.model());
        if (report.candidateVersion() != null) {
            Map<String, Object> canary = new LinkedHashMap<>();
            canary.put("primary_version", report.primaryVersion());
            canary.put("candidate_version", report.candidateVersion());
            canary.put("candidate_percent", report.candidatePercent());
            canary.put("state", report.state());
            json.put("canary", canary);
        }
        json.put("served_by_version", report.servedByVersion());
        ShadowReport shadow = report.shadow();
        if (shadow != null) {
            json.put("shadow", shadow(shadow));
        }
        return json;
    }

    private static Map<String, Object> shadow(ShadowReport shadow) {
        Map<String, Object> comparison = new LinkedHashMap<>();
        comparison.put("target_model", shadow.targetModel());
        comparison.put("target_version", shadow.targetVersion());
        comparison.put("percent", shadow.percent());
        comparison.put("sent", shadow.sent());
        comparison.put("compared", shadow.compared());
        comparison.put("disagreed", shadow.disagreed());
        comparison.put("disagreement_rate", shadow.disagreementRate());
        comparison.put("skipped", shadow.skipped());
        comparison.put("failed", shadow.failed());
        comparison.put("absolute_tolerance", shadow.tolerance().absolute());
        comparison.put("relative_tolerance", shadow.tolerance().relative());
        comparison.put("outputs", shadow.outputs().stream().map(o -> {
            Map<String, Object> output = new LinkedHashMap<>();
            output.put("name", o.name());
            output.put("compared", o.compared());
            output.put("exact_match_rate", o.exactMatchRate());
            output.put("agreement_rate", o.agreementRate());
            output.put("max_abs_difference", finite(o.maxAbsDifference()));
            return output;
        }).toList());
        return comparison;
    }

    /** JSON has no infinity: a shape mismatch is reported as null. */
    private static Object finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
