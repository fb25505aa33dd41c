package org.gantry.protocol.kserve;

import java.util.LinkedHashMap;
import java.util.Map;

import org.gantry.api.server.ModelOverride;

/**
 * The parameters of a load request in Triton's model repository extension, as both protocols carry them:
 * {@code config} holds a model configuration as JSON, each {@code file:<path>} a file of the model, and any other
 * parameter is ignored. Each protocol reads a value in its own terms (a JSON string or base64, a string_param or a
 * bytes_param) and refuses one of the wrong type with its own message; what the parameters mean is decided here once.
 */
public final class LoadParameters {

    /** The parameter holding the model configuration as JSON. */
    public static final String CONFIG = "config";
    /** The prefix of a parameter holding a file: {@code file:1/model.pt}. */
    public static final String FILE_PREFIX = "file:";
    /** The unload parameter asking to unload the models that depend on this one. */
    public static final String UNLOAD_DEPENDENTS = "unload_dependents";

    /**
     * How one protocol reads a parameter's value.
     *
     * @param <P> the protocol's parameter value
     */
    public interface Values<P> {

        /** The configuration JSON {@code value} holds; a value of the wrong type is an invalid argument. */
        String config(P value);

        /** The content of the file parameter {@code key}; a value of the wrong type is an invalid argument. */
        byte[] file(String key, P value);
    }

    private LoadParameters() {
    }

    /** What a load request with these parameters overrides: its configuration and files, in their order. */
    public static <P> ModelOverride override(Iterable<Map.Entry<String, P>> parameters, Values<P> values) {
        String config = null;
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Map.Entry<String, P> parameter : parameters) {
            String key = parameter.getKey();
            if (key.equals(CONFIG)) {
                config = values.config(parameter.getValue());
            } else if (key.startsWith(FILE_PREFIX)) {
                files.put(key.substring(FILE_PREFIX.length()), values.file(key, parameter.getValue()));
            }
        }
        return new ModelOverride(config, files);
    }
}
