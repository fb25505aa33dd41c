package org.gantry.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.gantry.api.traffic.CaptureStatistics;
import org.gantry.api.traffic.ShadowReport;
import org.gantry.api.traffic.TrafficReport;

/** A model's canary, shadow and capture as the console prints them, a few lines per model. */
final class TrafficLines {

    private TrafficLines() {
    }

    static List<String> of(TrafficReport report) {
        List<String> lines = new ArrayList<>();
        lines.add(report.model());
        if (report.candidateVersion() != null) {
            lines.add(String.format(Locale.ROOT, "  canary   %s: candidate %s at %s%% over primary %s", report.state(),
                    report.candidateVersion(), trim(report.candidatePercent()),
                    report.primaryVersion() == null ? "(version policy)" : report.primaryVersion()));
        }
        if (!report.servedByVersion().isEmpty()) {
            lines.add("  served   " + report.servedByVersion());
        }
        ShadowReport shadow = report.shadow();
        if (shadow != null) {
            lines.add(String.format(Locale.ROOT,
                    "  shadow   %s%s at %s%%: sent %d, compared %d, disagreed %d (%.2f%%), skipped %d, failed %d",
                    shadow.targetModel(), shadow.targetVersion() == null ? "" : " version " + shadow.targetVersion(),
                    trim(shadow.percent()), shadow.sent(), shadow.compared(), shadow.disagreed(),
                    100 * shadow.disagreementRate(), shadow.skipped(), shadow.failed()));
            for (ShadowReport.OutputAgreement output : shadow.outputs()) {
                lines.add(String.format(Locale.ROOT,
                        "    %s: agreement %.2f%% (within %s absolute, %s relative), exact match %.2f%%,"
                                + " max abs difference %s",
                        output.name(), 100 * output.agreementRate(),
                        shadow.tolerance().absolute(), shadow.tolerance().relative(), 100 * output.exactMatchRate(),
                        output.maxAbsDifference()));
            }
        }
        return lines;
    }

    static String of(CaptureStatistics.CaptureReport capture) {
        return String.format(Locale.ROOT, "  capture  sampled %d, written %d, dropped %d, %d bytes", capture.sampled(),
                capture.written(), capture.dropped(), capture.bytesWritten());
    }

    private static String trim(double percent) {
        return percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent);
    }
}
