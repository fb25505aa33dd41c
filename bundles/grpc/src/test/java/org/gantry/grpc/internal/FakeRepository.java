package org.gantry.grpc.internal;

import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedSet;

import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;

/** A repository that only prints configurations, as Triton's JSON form would hold them. */
class FakeRepository implements ModelRepository {

    @Override
    public String configJson(ModelConfig config) {
        return "{\"name\":\"" + config.name() + "\",\"platform\":\"" + config.platform() + "\",\"max_batch_size\":"
                + config.maxBatchSize() + ",\"input\":[{\"name\":\"INPUT\",\"data_type\":\"TYPE_FP32\","
                + "\"dims\":[3]}],\"gantry_field_triton_does_not_know\":1}";
    }

    @Override
    public String location() {
        throw new UnsupportedOperationException();
    }

    @Override
    public SortedSet<String> modelNames() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<RepositoryModel> model(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public RepositoryModel modelAt(String name, Path directory) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ModelConfig parseConfigJson(String modelName, String json) {
        throw new UnsupportedOperationException();
    }
}
