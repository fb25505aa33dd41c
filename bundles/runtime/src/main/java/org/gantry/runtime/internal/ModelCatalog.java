package org.gantry.runtime.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.function.Predicate;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;

/**
 * What models exist and which of their versions serve: the repository, the configurations and files given with a
 * load request (in force until the model is unloaded), and the models added from folders outside the repository
 * (SageMaker's multi-model API). An override wins over an added model, which wins over the repository.
 */
final class ModelCatalog {

    private final ModelRepository repository;
    /** Configurations and files given with a load request, in force until the model is unloaded. */
    private final LoadOverrides overrides;
    /** Models added from folders outside the repository, by name. */
    private final AddedModels addedModels = new AddedModels();

    ModelCatalog(ModelRepository repository) {
        this.repository = repository;
        this.overrides = new LoadOverrides(repository);
    }

    /** Where the repository is, as operators wrote it. */
    String location() {
        return repository.location();
    }

    /** Whether the repository's folder exists (the server is ready to serve from it). */
    boolean isReadable() {
        return Files.isDirectory(Path.of(repository.location()));
    }

    /** The model as a request loads it. */
    RepositoryModel read(String modelName) {
        RepositoryModel overridden = overrides.get(modelName);
        if (overridden != null) {
            return overridden;
        }
        RepositoryModel added = addedModels.get(modelName);
        if (added != null) {
            return added;
        }
        return repository.model(modelName).orElseThrow(() -> GantryException.notFound(
                "unknown model '%s': the repository %s has no such model", modelName, repository.location()));
    }

    /** The versions the model's version policy selects. */
    static SortedSet<Long> servedVersions(RepositoryModel model) {
        return model.config().versionPolicy().select(model.versions());
    }

    /** The version a request names (null: the newest selected one), if the policy selects it. */
    static long chooseVersion(RepositoryModel model, String version) {
        SortedSet<Long> served = servedVersions(model);
        if (version == null) {
            if (served.isEmpty()) {
                throw noVersions(model);
            }
            return served.last();
        }
        Optional<Long> parsed = parseVersion(version);
        if (parsed.isEmpty() || !served.contains(parsed.get())) {
            throw GantryException.notFound("model '%s' has no version '%s' to serve (versions served: %s)",
                    model.name(), version, served);
        }
        return parsed.get();
    }

    static GantryException noVersions(RepositoryModel model) {
        return GantryException.unavailable("model '%s' has no version to serve: its folder %s has versions %s and"
                + " its version policy selects none", model.name(), model.directory(), model.versions());
    }

    /** A version as a request writes it: digits only; empty for anything else. */
    static Optional<Long> parseVersion(String version) {
        if (version.isEmpty() || version.length() > 18 || !version.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(version));
    }

    /**
     * Every version the repository and the added models offer, with its state; then the versions still loaded
     * although gone from the repository (or from the version policy).
     */
    List<ModelStatus> index(VersionRegistry versions) {
        List<ModelStatus> statuses = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        for (String name : repository.modelNames()) {
            try {
                Optional<RepositoryModel> model = repository.model(name);
                if (model.isPresent()) {
                    statuses.addAll(statuses(model.get(), versions, listed));
                }
            } catch (GantryException e) {
                statuses.add(new ModelStatus(name, "", ModelState.UNAVAILABLE, e.getMessage()));
            }
        }
        for (String name : addedModels.names()) {
            RepositoryModel model = addedModels.get(name);
            if (model != null) {
                statuses.addAll(statuses(model, versions, listed));
            }
        }
        for (ModelVersion version : versions.all()) {
            if (!listed.contains(version.modelName() + "/" + version.version())) {
                statuses.add(version.status());
            }
        }
        return statuses;
    }

    private static List<ModelStatus> statuses(RepositoryModel model, VersionRegistry versions, Set<String> listed) {
        List<ModelStatus> statuses = new ArrayList<>();
        for (long version : servedVersions(model)) {
            listed.add(model.name() + "/" + version);
            ModelVersion known = versions.get(model.name(), version);
            statuses.add(known != null ? known.status()
                    : new ModelStatus(model.name(), Long.toString(version), ModelState.UNAVAILABLE, ""));
        }
        return statuses;
    }

    /** The model as the override would give it, its files staged; not in force until {@link #commit}. */
    RepositoryModel prepare(String modelName, ModelOverride override) {
        return overrides.prepare(modelName, override, this::read);
    }

    /** Puts a prepared override in force. */
    void commit(RepositoryModel prepared) {
        overrides.commit(prepared);
    }

    /** Drops a prepared override that did not come into force. */
    void discard(RepositoryModel prepared) {
        overrides.discard(prepared);
    }

    /** Ends the override of a model (it was unloaded); its staged files go. */
    void endOverride(String modelName) {
        overrides.remove(modelName);
    }

    /**
     * Adds the model in a folder (and the step models of an ensemble folder, under their own names); returns the
     * folder read, whose steps load first.
     *
     * @param known whether the runtime knows a model of that name (a step may not take it)
     */
    AddedFolder add(String modelName, Path directory, Predicate<String> known) {
        if (addedModels.contains(modelName)) {
            throw alreadyLoaded(modelName);
        }
        if (repository.model(modelName).isPresent()) {
            throw new GantryException(ErrorKind.CONFLICT, String.format(
                    "model '%s' already exists in the repository %s; choose another name", modelName,
                    repository.location()));
        }
        AddedFolder folder = AddedFolder.read(repository, modelName, directory);
        addedModels.add(folder, name -> repository.model(name).isPresent() || known.test(name));
        return folder;
    }

    static GantryException alreadyLoaded(String modelName) {
        return new GantryException(ErrorKind.CONFLICT, String.format("model '%s' is already loaded", modelName));
    }

    /** Whether the model was added (and not removed). */
    boolean isAdded(String modelName) {
        return addedModels.isListed(modelName);
    }

    /** Forgets an added model; returns its name and those of the steps it brought. */
    List<String> removeAdded(String modelName) {
        return addedModels.remove(modelName);
    }

    /** The added models and their folders, by name. */
    SortedMap<String, Path> added() {
        return addedModels.listed();
    }
}
