package org.gantry.engine.tokenizers.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

import org.gantry.engine.tokenizers.TokenizersEngine;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

/**
 * Loads the tokenizers native library at activation (DJL unpacks it into its cache, which the PyTorch engine
 * bundle configured offline) and opens tokenizers with this bundle as context class loader, where DJL looks for
 * the library's resources.
 */
@Component(service = TokenizersEngine.class)
public final class TokenizersEngineImpl implements TokenizersEngine {

    private static final Logger LOG = LoggerFactory.getLogger(TokenizersEngineImpl.class);

    /** @param pytorch DJL's engine, whose bundle set DJL's cache folder and offline mode before this runs */
    @Activate
    public TokenizersEngineImpl(
            @org.osgi.service.component.annotations.Reference(target = "(djl.engine=PyTorch)") Engine pytorch) {
        long started = System.nanoTime();
        withBundleClassLoader(() -> TokenizersLibrary.LIB);
        LOG.info("HuggingFace tokenizers library loaded in {} ms", (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public HuggingFaceTokenizer open(Path tokenizerJson, Map<String, String> options) throws IOException {
        try {
            return withBundleClassLoader(() -> {
                try {
                    return HuggingFaceTokenizer.newInstance(tokenizerJson, options);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static <T> T withBundleClassLoader(Supplier<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(TokenizersEngineImpl.class.getClassLoader());
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
