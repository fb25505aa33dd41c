package org.gantry.runtime.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.repository.RepositoryModel;

/**
 * Models added from folders outside the repository (SageMaker's multi-model API), by name. An added ensemble brings
 * its step models, added with it under their own names and removed with it; only what the caller added is listed
 * and can be removed.
 */
final class AddedModels {

    private final Map<String, RepositoryModel> models = new ConcurrentHashMap<>();
    /** The step models each added ensemble brought, by the ensemble's name. */
    private final Map<String, List<String>> steps = new ConcurrentHashMap<>();

    /** An added model or step, or null. */
    RepositoryModel get(String name) {
        return models.get(name);
    }

    boolean contains(String name) {
        return models.containsKey(name);
    }

    /** Every added model and step, sorted. */
    SortedSet<String> names() {
        return new TreeSet<>(models.keySet());
    }

    /**
     * Adds a folder's model and its steps, or none of them.
     *
     * @param takenElsewhere whether a name is in use otherwise (in the repository, or loaded)
     * @throws GantryException CONFLICT when a name is taken, naming it
     */
    synchronized void add(AddedFolder folder, Predicate<String> takenElsewhere) {
        List<RepositoryModel> all = new ArrayList<>(List.of(folder.model()));
        all.addAll(folder.steps());
        for (RepositoryModel model : all) {
            if (models.containsKey(model.name()) || takenElsewhere.test(model.name())) {
                throw new GantryException(ErrorKind.CONFLICT, model == folder.model()
                        ? String.format("model '%s' is already loaded", model.name())
                        : String.format("model '%s', a step of ensemble '%s', already exists on this server",
                                model.name(), folder.model().name()));
            }
        }
        all.forEach(model -> models.put(model.name(), model));
        steps.put(folder.model().name(), folder.steps().stream().map(RepositoryModel::name).toList());
    }

    /** Whether the caller added a model under this name (a step does not count). */
    boolean isListed(String name) {
        return steps.containsKey(name);
    }

    /** Forgets a model the caller added and its steps; returns every name forgotten, the model's first. */
    synchronized List<String> remove(String name) {
        List<String> removed = new ArrayList<>(List.of(name));
        removed.addAll(steps.getOrDefault(name, List.of()));
        steps.remove(name);
        removed.forEach(models::remove);
        return removed;
    }

    /** The models the caller added, with their folders. */
    SortedMap<String, Path> listed() {
        SortedMap<String, Path> listed = new TreeMap<>();
        for (String name : steps.keySet()) {
            RepositoryModel model = models.get(name);
            if (model != null) {
                listed.put(name, model.directory());
            }
        }
        return listed;
    }
}
