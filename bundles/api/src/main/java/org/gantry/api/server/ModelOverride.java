package org.gantry.api.server;

import java.util.Map;
import java.util.Objects;

/**
 * A model configuration and files given with a load request, in place of the repository's.
 *
 * @param configJson the model configuration in Triton's JSON form (protobuf JSON of {@code ModelConfig});
 *                   required when files are given, else null to keep the repository's configuration
 * @param files      file contents by path relative to the model folder (e.g. {@code 1/model.pt}); when
 *                   non-empty the model is loaded from these files only
 */
public record ModelOverride(String configJson, Map<String, byte[]> files) {

    public ModelOverride {
        files = Map.copyOf(Objects.requireNonNullElse(files, Map.of()));
    }

    /** Whether nothing is overridden. */
    public boolean isEmpty() {
        return configJson == null && files.isEmpty();
    }
}
