package org.gantry.runtime.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.gantry.api.error.GantryException;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;

/**
 * What a folder added through SageMaker's multi-model API holds: one Triton model, or, as Triton's SageMaker front
 * end reads it, several model folders of which one is an ensemble. Then the ensemble is the model added under the
 * caller's name, and the other folders are its step models, under their folder names (the names its steps use).
 *
 * @param model the model added under the caller's name
 * @param steps the ensemble's step models; empty for a single model
 */
record AddedFolder(RepositoryModel model, List<RepositoryModel> steps) {

    private static final String ENSEMBLE = "ensemble";

    AddedFolder {
        steps = List.copyOf(steps);
    }

    static AddedFolder read(ModelRepository repository, String name, Path directory) {
        List<Path> models = modelFolders(directory);
        if (models.size() < 2) {
            return new AddedFolder(repository.modelAt(name, directory), List.of()); // a model, or one folder of one
        }
        Path ensemble = null;
        List<RepositoryModel> steps = new ArrayList<>();
        for (Path folder : models) {
            RepositoryModel model = repository.modelAt(folder.getFileName().toString(), folder);
            if (!model.config().platform().equals(ENSEMBLE)) {
                steps.add(model);
            } else if (ensemble == null) {
                ensemble = folder;
            } else {
                throw GantryException.invalidArgument("%s holds more than one ensemble (%s and %s): it can add only"
                        + " one model", directory, ensemble.getFileName(), folder.getFileName());
            }
        }
        if (ensemble == null) {
            throw GantryException.invalidArgument("%s holds %d models and no ensemble: it needs one model, or an"
                    + " ensemble and its step models", directory, models.size());
        }
        return new AddedFolder(repository.modelAt(name, ensemble), steps);
    }

    /** The subfolders that hold a model configuration. */
    private static List<Path> modelFolders(Path directory) {
        List<Path> folders = new ArrayList<>();
        if (!Files.isDirectory(directory) || Files.isRegularFile(directory.resolve("config.pbtxt"))) {
            return folders; // not a folder, or a model itself: the repository says which
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, Files::isDirectory)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry.resolve("config.pbtxt"))) {
                    folders.add(entry);
                }
            }
        } catch (IOException e) {
            throw GantryException.invalidArgument("cannot list %s: %s", directory, e.getMessage());
        }
        folders.sort(null);
        return folders;
    }
}
