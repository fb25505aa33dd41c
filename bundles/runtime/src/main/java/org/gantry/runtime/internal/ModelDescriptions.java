package org.gantry.runtime.internal;

import java.util.ArrayList;
import java.util.List;

import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelStatistics;
import org.gantry.api.server.TensorMetadata;

/**
 * What the server says about a model without serving it: its metadata, its configuration (as the backend completed
 * it once loaded) and its versions' statistics, read from the catalog and the versions the registry holds.
 */
final class ModelDescriptions {

    private final ModelCatalog catalog;
    private final VersionRegistry registry;

    ModelDescriptions(ModelCatalog catalog, VersionRegistry registry) {
        this.catalog = catalog;
        this.registry = registry;
    }

    ModelMetadata metadata(String modelName, String version) {
        RepositoryModel model = catalog.read(modelName);
        ModelConfig config = config(model, version);
        List<String> versions = ModelCatalog.servedVersions(model).stream().map(String::valueOf).toList();
        String platform = config.platform().isEmpty() ? config.backend() : config.platform();
        return new ModelMetadata(modelName, versions, platform, tensorMetadata(config, config.inputs()),
                tensorMetadata(config, config.outputs()));
    }

    private static List<TensorMetadata> tensorMetadata(ModelConfig config, List<TensorConfig> tensors) {
        return tensors.stream()
                .map(t -> new TensorMetadata(t.name(), t.dataType(), RequestValidator.expectedShape(config, t)))
                .toList();
    }

    ModelConfig config(String modelName, String version) {
        return config(catalog.read(modelName), version);
    }

    /** The configuration as completed by the backend once loaded, else as the repository has it. */
    private ModelConfig config(RepositoryModel model, String version) {
        ModelVersion known = registry.get(model.name(), ModelCatalog.chooseVersion(model, version));
        ModelConfig completed = known == null ? null : known.config();
        return completed != null ? completed : model.config();
    }

    List<ModelStatistics> statistics(String modelName, String version) {
        if (modelName == null) {
            return registry.all().stream()
                    .map(v -> v.statistics().snapshot(v.modelName(), v.version(), v.leases())).toList();
        }
        RepositoryModel model = catalog.read(modelName);
        List<Long> wanted = version == null ? List.copyOf(ModelCatalog.servedVersions(model))
                : List.of(ModelCatalog.chooseVersion(model, version));
        List<ModelStatistics> result = new ArrayList<>();
        for (long v : wanted) {
            ModelVersion known = registry.get(modelName, v);
            result.add(known != null ? known.statistics().snapshot(modelName, v, known.leases())
                    : new VersionStatistics().snapshot(modelName, v, List.of()));
        }
        return result;
    }
}
