package org.gantry.backend.torchscript.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.GantryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;

/**
 * The DJL path: the only class besides {@link TorchScriptModel} and {@link TensorConversions} that names DJL's
 * types. DJL is imported optionally, so the bundle resolves on a server that runs the libtorch engine instead
 * (the two cannot share a process: each brings its own libtorch).
 */
final class DjlModels {

    private static final Logger LOG = LoggerFactory.getLogger(DjlModels.class);

    private DjlModels() {
    }

    /**
     * Loads and runs a one-operation module once, so that libtorch's one-time initialisation (interpreter,
     * thread pools) happens now and is not measured as part of the first model a user loads.
     */
    static void warmUp(Object djlEngine) {
        Engine engine = (Engine) djlEngine;
        try (Model model = Model.newInstance("gantry-warmup", ai.djl.Device.cpu(), engine.getEngineName());
                InputStream archive = TorchScriptBackend.class.getResourceAsStream("warmup.pt")) {
            model.load(archive);
            try (NDManager manager = model.getNDManager().newSubManager()) {
                model.getBlock().forward(new ParameterStore(manager, false),
                        new NDList(manager.create(new float[] { 1f })),
                        false);
            }
        } catch (IOException | MalformedModelException | RuntimeException e) {
            LOG.warn("TorchScript warm-up failed; the first model's measured footprint includes libtorch's start: {}",
                    e.toString());
        }
    }

    static LoadedModel load(Object djlEngine, ForwardSignature signature, Path file, long version) {
        Engine engine = (Engine) djlEngine;
        Model model = Model.newInstance(signature.modelName() + ":" + version, ai.djl.Device.cpu(),
                engine.getEngineName());
        try {
            model.load(file.getParent(), file.getFileName().toString());
            return new TorchScriptModel(signature, model, TorchScriptBackend.tensorStorageBytes(file));
        } catch (MalformedModelException | EngineException | IOException | IllegalArgumentException e) {
            model.close();
            throw GantryException.invalidArgument("model '%s' version %d: %s is not a loadable TorchScript model: %s",
                    signature.modelName(), version, file, TorchScriptBackend.firstLine(e.getMessage()));
        }
    }
}
