package org.gantry.api.traffic;

import java.util.Map;
import java.util.Objects;

/**
 * A model's traffic split and shadow.
 *
 * @param model            the model
 * @param primaryVersion   the version serving what the candidate does not (null: the version policy's choice)
 * @param candidateVersion the canary version, or null without a canary
 * @param candidatePercent the share of requests without a version that the candidate serves, 0 to 100
 * @param state            {@code canary}, {@code promoted} or {@code rolled_back} ({@code none} without a canary)
 * @param servedByVersion  requests answered by each version since the server started, routed ones and others
 * @param shadow           the shadow's comparison, or null without a shadow
 */
public record TrafficReport(String model, String primaryVersion, String candidateVersion, double candidatePercent,
        String state, Map<String, Long> servedByVersion, ShadowReport shadow) {

    public TrafficReport {
        Objects.requireNonNull(model, "model");
        servedByVersion = Map.copyOf(servedByVersion);
    }
}
