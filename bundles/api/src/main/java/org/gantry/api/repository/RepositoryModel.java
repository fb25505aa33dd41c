package org.gantry.api.repository;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

import org.gantry.api.model.ModelConfig;

/**
 * A model as found in the repository.
 *
 * @param name      the model name
 * @param directory the model's folder
 * @param config    its configuration as written (before any backend auto-complete)
 * @param versions  the numeric version folders present, ascending
 */
public record RepositoryModel(String name, Path directory, ModelConfig config, SortedSet<Long> versions) {

    public RepositoryModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(config, "config");
        versions = Collections.unmodifiableSortedSet(new TreeSet<>(versions));
    }
}
