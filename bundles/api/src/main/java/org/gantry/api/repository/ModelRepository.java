package org.gantry.api.repository;

import java.util.Optional;
import java.util.SortedSet;

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
}
