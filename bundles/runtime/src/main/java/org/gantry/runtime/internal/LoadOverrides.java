package org.gantry.runtime.internal;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.ModelOverride;

/**
 * Configurations and files given with a load request (Triton's {@code config} and {@code file:} parameters), in
 * force from the moment the model serves with them until it is unloaded. Files are staged in a folder of their own,
 * deleted once no override uses it.
 */
final class LoadOverrides {

    private final ModelRepository repository;
    private final Map<String, RepositoryModel> inForce = new ConcurrentHashMap<>();

    LoadOverrides(ModelRepository repository) {
        this.repository = repository;
    }

    /** The model as its override in force gives it, or null. */
    RepositoryModel get(String modelName) {
        return inForce.get(modelName);
    }

    /**
     * The model as the override would give it, its files staged; not in force until {@link #commit}.
     *
     * @param current the model as it is now (for an override of its configuration alone)
     * @throws GantryException INVALID_ARGUMENT for files without a configuration, a configuration that does not
     *         read or names neither a platform nor a backend, or file paths that would leave the model's folder
     */
    RepositoryModel prepare(String modelName, ModelOverride override, Function<String, RepositoryModel> current) {
        if (!override.files().isEmpty() && override.configJson() == null) {
            throw GantryException.invalidArgument("files given for model '%s' need a 'config' parameter too, as"
                    + " Triton's load API requires", modelName);
        }
        Path staged = override.files().isEmpty() ? null : ModelFiles.stage(modelName, override.files());
        try {
            RepositoryModel base = staged == null ? current.apply(modelName) : repository.modelAt(modelName, staged);
            ModelConfig config = override.configJson() == null ? base.config()
                    : repository.parseConfigJson(modelName, override.configJson());
            if (config.platform().isEmpty() && config.backend().isEmpty()) {
                throw GantryException.invalidArgument("the configuration given for model '%s' names neither a"
                        + " platform nor a backend", modelName);
            }
            return new RepositoryModel(modelName, base.directory(), config, base.versions());
        } catch (RuntimeException e) {
            if (staged != null) {
                ModelFiles.delete(staged);
            }
            throw e;
        }
    }

    /** Puts a prepared override in force, in place of the one before (whose staged files go, unless reused). */
    void commit(RepositoryModel prepared) {
        RepositoryModel before = inForce.put(prepared.name(), prepared);
        if (before != null && !before.directory().equals(prepared.directory())) {
            deleteStaged(before);
        }
    }

    /** Drops a prepared override that did not come into force (a new configuration may reuse the files in force). */
    void discard(RepositoryModel prepared) {
        RepositoryModel current = inForce.get(prepared.name());
        if (current == null || !current.directory().equals(prepared.directory())) {
            deleteStaged(prepared);
        }
    }

    /** Ends the override of a model (it was unloaded). */
    void remove(String modelName) {
        deleteStaged(inForce.remove(modelName));
    }

    private static void deleteStaged(RepositoryModel overridden) {
        if (overridden != null && ModelFiles.isStaged(overridden.directory())) {
            ModelFiles.delete(overridden.directory());
        }
    }
}
