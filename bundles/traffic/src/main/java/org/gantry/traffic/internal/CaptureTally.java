package org.gantry.traffic.internal;

import java.util.concurrent.atomic.LongAdder;

import org.gantry.api.traffic.CaptureStatistics;

/** One model's capture counts: sampled on the request path, written or dropped by the writer. */
final class CaptureTally {

    final LongAdder sampled = new LongAdder();
    final LongAdder written = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();

    CaptureStatistics.CaptureReport report(String model) {
        return new CaptureStatistics.CaptureReport(model, sampled.sum(), written.sum(), dropped.sum(),
                bytesWritten.sum());
    }
}
