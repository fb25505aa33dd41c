package org.gantry.engine.tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * Opens HuggingFace tokenizers from {@code tokenizer.json} files. The service exists once the native library has
 * loaded, in this bundle's class loader, so bundles using it can be updated without loading it again.
 */
@ProviderType
public interface TokenizersEngine {

    /**
     * Opens the tokenizer of a {@code tokenizer.json} file.
     *
     * @param options DJL's tokenizer options ({@code padding}, {@code truncation}, {@code maxLength}, ...)
     * @throws IOException when the file cannot be read or is no tokenizer
     */
    HuggingFaceTokenizer open(Path tokenizerJson, Map<String, String> options) throws IOException;
}
