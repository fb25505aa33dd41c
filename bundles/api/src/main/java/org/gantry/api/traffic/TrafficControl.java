package org.gantry.api.traffic;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Canary splits and shadows of the models that configure them: their state and counts, and the operator's decisions.
 * Promotion and rollback take effect on the next request; both versions stay loaded, so there is no gap. They hold
 * until the server restarts or the model's traffic settings change.
 */
@ProviderType
public interface TrafficControl {

    /**
     * Sends all of a model's traffic to its candidate version.
     *
     * @throws org.gantry.api.error.GantryException NOT_FOUND when the model configures no canary
     */
    TrafficReport promote(String model);

    /**
     * Sends all of a model's traffic back to its primary version.
     *
     * @throws org.gantry.api.error.GantryException NOT_FOUND when the model configures no canary
     */
    TrafficReport rollback(String model);

    /** The model's split and shadow, if it configures either and has had traffic since the server started. */
    Optional<TrafficReport> report(String model);

    /** Every model with a split or a shadow, by name. */
    List<TrafficReport> reports();
}
