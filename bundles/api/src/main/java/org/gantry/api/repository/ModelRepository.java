package org.gantry.api.repository;

import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedSet;

import org.gantry.api.model.ModelConfig;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Where model artifacts come from: a model repository in Triton's layout
 * ({@code <model>/config.pbtxt} plus numeric version folders).
 */
@ProviderType
public interface ModelRepository {

    /** A readable description of the repository's location, for logs and messages. */
    String location();

    /** The names of the models in the repository, sorted. */
    SortedSet<String> modelNames();

    /**
     * Reads one model: its folder, parsed configuration and versions.
     *
     * @return empty when the repository has no model of that name (including names that are not plain
     *         folder names, such as ones with {@code /} or {@code ..})
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT when the model's configuration cannot be
     *         read, with the file and the reason
     */
    Optional<RepositoryModel> model(String name);

    /**
     * Reads a model from a folder outside the repository under the given name (models added through an API).
     *
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT when the folder holds no readable model
     */
    RepositoryModel modelAt(String name, Path directory);

    /**
     * Parses a model configuration in Triton's JSON form (the protobuf JSON mapping of {@code ModelConfig}, as
     * Triton's load API takes it).
     *
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT with the reason when it is not one
     */
    ModelConfig parseConfigJson(String modelName, String json);

    /** A configuration in Triton's JSON form, as Triton's {@code GET /v2/models/{m}/config} returns it. */
    String configJson(ModelConfig config);
}
