package org.gantry.api.inference;

import java.util.Map;
import java.util.Objects;

/**
 * An output the caller asks for, with its protocol parameters (e.g. {@code binary_data}).
 */
public record RequestedOutput(String name, Map<String, Object> parameters) {

    public RequestedOutput {
        Objects.requireNonNull(name, "name");
        parameters = Map.copyOf(Objects.requireNonNullElse(parameters, Map.of()));
    }

    public static RequestedOutput named(String name) {
        return new RequestedOutput(name, Map.of());
    }
}
