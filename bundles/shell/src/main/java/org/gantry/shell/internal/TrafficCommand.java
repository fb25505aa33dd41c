package org.gantry.shell.internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;

/** Canaries, shadows and capture: each model's split, its shadow's agreement and what was captured. */
@Service
@Command(scope = "gantry", name = "traffic",
        description = "Shows canaries (requests per version), shadows (agreement with the primary) and data capture")
public class TrafficCommand implements Action {

    @Reference
    TrafficControl traffic;

    @Reference(optional = true)
    CaptureStatistics capture;

    @Argument(index = 0, name = "model", description = "Only this model")
    @Completion(ModelNameCompleter.class)
    String model;

    @Override
    public Object execute() {
        Map<String, List<String>> lines = new TreeMap<>();
        for (TrafficReport report : traffic.reports()) {
            lines.put(report.model(), new java.util.ArrayList<>(TrafficLines.of(report)));
        }
        if (capture != null) {
            for (CaptureStatistics.CaptureReport report : capture.reports()) {
                lines.computeIfAbsent(report.model(), m -> new java.util.ArrayList<>(List.of(m)))
                        .add(TrafficLines.of(report));
            }
        }
        if (model != null) {
            lines.keySet().retainAll(List.of(model));
        }
        if (lines.isEmpty()) {
            System.out.println(model == null ? "No model has a canary, a shadow or capture (or a request yet)"
                    : "Model '" + model + "' has no canary, shadow or capture (or no request yet)");
        }
        lines.values().forEach(block -> block.forEach(System.out::println));
        return null;
    }
}
