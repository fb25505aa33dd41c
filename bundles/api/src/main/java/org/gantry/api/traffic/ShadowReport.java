package org.gantry.api.traffic;

import java.util.List;

/**
 * How a shadow's answers compare with the primary's.
 *
 * @param targetModel   the model the copies go to (the same model for a candidate version)
 * @param targetVersion the version the copies go to (null: the target's default)
 * @param percent       the share of answered requests copied, 0 to 100
 * @param sent          copies sent to the shadow
 * @param compared      copies the shadow answered, compared with the primary's answer
 * @param disagreed     compared copies where some output differed (not exactly equal)
 * @param skipped       copies never sent because the shadow yielded (its queue full, memory short)
 * @param failed        copies the shadow failed to answer
 * @param outputs       the comparison per output tensor
 */
public record ShadowReport(String targetModel, String targetVersion, double percent, long sent, long compared,
        long disagreed, long skipped, long failed, List<OutputAgreement> outputs) {

    public ShadowReport {
        outputs = List.copyOf(outputs);
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
     */
    public record OutputAgreement(String name, long compared, long exactMatches, double maxAbsDifference) {

        /** Exact matches over compared answers; 1 before any. */
        public double exactMatchRate() {
            return compared == 0 ? 1 : (double) exactMatches / compared;
        }
    }
}
