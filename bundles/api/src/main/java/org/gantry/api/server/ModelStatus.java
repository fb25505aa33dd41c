package org.gantry.api.server;

import java.util.Objects;

/**
 * A model version's state, as the repository index reports it.
 *
 * @param name    the model name
 * @param version the version, or empty when no version is known (e.g. its configuration cannot be read)
 * @param state   the lifecycle state
 * @param reason  why it is in that state (a failure's message), or empty
 */
public record ModelStatus(String name, String version, ModelState state, String reason) {

    public ModelStatus {
        Objects.requireNonNull(name, "name");
        version = Objects.requireNonNullElse(version, "");
        Objects.requireNonNull(state, "state");
        reason = Objects.requireNonNullElse(reason, "");
    }
}
