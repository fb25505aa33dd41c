package org.gantry.api.processor;

import org.gantry.api.backend.ModelLoadContext;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A Java function usable as a model: registered as an OSGi service, run by every model whose configuration names
 * it as its {@code backend} (e.g. {@code backend: "huggingface_tokenizer"}). Such a model is an ordinary model to
 * the server: loaded on demand under a memory lease, shared by the ensembles that use it, callable on its own.
 */
@ConsumerType
public interface Processor {

    /** The name a model configuration gives as its {@code backend}; unique among processors and backends. */
    String name();

    /**
     * Prepares the function for one model version: checks the configuration's {@code parameters} and reads the
     * files it needs from the model's folders.
     *
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT naming the parameter or file at fault
     */
    ProcessorFunction open(ModelLoadContext context);
}
