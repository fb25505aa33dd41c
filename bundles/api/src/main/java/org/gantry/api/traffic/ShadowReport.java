package org.gantry.api.traffic;

import java.util.List;
import java.util.Objects;

/**
 * How a shadow's answers compare with the primary's.
 *
 * @param targetModel   the model the copies go to (the same model for a candidate version)
 * @param targetVersion the version the copies go to (null: the target's default)
 * @param percent       the share of answered requests copied, 0 to 100
 * @param sent          copies sent to the shadow
 * @param compared      copies the shadow answered, compared with the primary's answer
 * @param disagreed     compared copies where some output differed beyond the tolerance
 * @param skipped       copies never sent because the shadow yielded (its queue full, memory short)
 * @param failed        copies the shadow failed to answer
 * @param outputs       the comparison per output tensor
 * @param tolerance     how far floating-point elements may differ and still agree
 */
public record ShadowReport(String targetModel, String targetVersion, double percent, long sent, long compared,
        long disagreed, long skipped, long failed, List<OutputAgreement> outputs, Tolerance tolerance) {

    public ShadowReport {
        outputs = List.copyOf(outputs);
        Objects.requireNonNull(tolerance, "tolerance");
    }

    /** The 1.0 form: a comparison without tolerance. */
    public ShadowReport(String targetModel, String targetVersion, double percent, long sent, long compared,
            long disagreed, long skipped, long failed, List<OutputAgreement> outputs) {
        this(targetModel, targetVersion, percent, sent, compared, disagreed, skipped, failed, outputs,
                Tolerance.EXACT);
    }

    /** Compared copies that differed, over all compared; 0 before any. */
    public double disagreementRate() {
        return compared == 0 ? 0 : (double) disagreed / compared;
    }

    /**
     * One output tensor's agreement.
     *
     * @param name             the output
     * @param compared         answers compared
     * @param exactMatches     answers where the tensor was equal element for element (numbers, token ids, strings)
     * @param maxAbsDifference the largest absolute difference of any element of a numeric tensor (0 for strings;
     *                         infinite where shapes differed)
     * @param agreements       answers where every element agreed within the report's tolerance (exact matches
     *                         included)
     */
    public record OutputAgreement(String name, long compared, long exactMatches, double maxAbsDifference,
            long agreements) {

        /** The 1.0 form: a comparison without tolerance, where only exact matches agree. */
        public OutputAgreement(String name, long compared, long exactMatches, double maxAbsDifference) {
            this(name, compared, exactMatches, maxAbsDifference, exactMatches);
        }

        /** Answers within the tolerance over compared answers; 1 before any. */
        public double agreementRate() {
            return compared == 0 ? 1 : (double) agreements / compared;
        }

        /** Exact matches over compared answers; 1 before any. */
        public double exactMatchRate() {
            return compared == 0 ? 1 : (double) exactMatches / compared;
        }
    }
}
