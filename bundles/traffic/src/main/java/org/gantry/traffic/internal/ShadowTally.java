package org.gantry.traffic.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.gantry.api.tensor.Tensor;
import org.gantry.api.traffic.ShadowReport;
import org.gantry.api.traffic.Tolerance;

/** One model's shadow counts and its per-output comparison, updated by shadow threads, read by reports. */
final class ShadowTally {

    /** One output's running agreement; the maximum is kept as a double's bits, updated by compare-and-set. */
    private static final class OutputTally {
        final LongAdder compared = new LongAdder();
        final LongAdder exactMatches = new LongAdder();
        final LongAdder agreements = new LongAdder();
        final AtomicLong maxAbsDifferenceBits = new AtomicLong(Double.doubleToLongBits(0));

        void add(TensorDifference difference) {
            compared.increment();
            if (difference.exact()) {
                exactMatches.increment();
            }
            if (difference.withinTolerance()) {
                agreements.increment();
            }
            maxAbsDifferenceBits.accumulateAndGet(Double.doubleToLongBits(difference.maxAbsDifference()),
                    (a, b) -> Double.longBitsToDouble(a) >= Double.longBitsToDouble(b) ? a : b);
        }
    }

    final LongAdder sent = new LongAdder();
    final LongAdder skipped = new LongAdder();
    final LongAdder failed = new LongAdder();
    private final LongAdder compared = new LongAdder();
    private final LongAdder disagreed = new LongAdder();
    private final Map<String, OutputTally> outputs = new ConcurrentSkipListMap<>();

    /**
     * Compares the primary's outputs with the shadow's, output by output (matched by name); the copy disagrees when
     * any output differs beyond the tolerance.
     */
    void compare(List<Tensor> primary, List<Tensor> shadow, Tolerance tolerance) {
        boolean agreed = true;
        for (Tensor output : primary) {
            Tensor other = shadow.stream().filter(t -> t.name().equals(output.name())).findFirst().orElse(null);
            TensorDifference difference = TensorDifference.between(output, other, tolerance);
            outputs.computeIfAbsent(output.name(), name -> new OutputTally()).add(difference);
            agreed &= difference.withinTolerance();
        }
        compared.increment();
        if (!agreed) {
            disagreed.increment();
        }
    }

    ShadowReport report(TrafficSettings settings) {
        List<ShadowReport.OutputAgreement> agreements = new ArrayList<>();
        outputs.forEach((name, tally) -> agreements.add(new ShadowReport.OutputAgreement(name, tally.compared.sum(),
                tally.exactMatches.sum(), Double.longBitsToDouble(tally.maxAbsDifferenceBits.get()),
                tally.agreements.sum())));
        return new ShadowReport(settings.shadowModel(), settings.shadowVersion(), settings.shadowPercent(), sent.sum(),
                compared.sum(), disagreed.sum(), skipped.sum(), failed.sum(), agreements, settings.tolerance());
    }
}
