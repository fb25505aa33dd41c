package org.gantry.engine.tensorflow.internal;

import java.nio.file.Path;

import org.gantry.engine.tensorflow.TensorFlowEngine;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.TensorFlow;

/**
 * Loads TensorFlow's native library once, from this bundle, and then offers the {@link TensorFlowEngine} service.
 * The library stays loaded for the JVM's life (a JNI library cannot load twice), which is why the backend logic
 * lives in another bundle that can be updated freely.
 */
@Component(service = TensorFlowEngine.class, immediate = true, configurationPid = TensorFlowEngineComponent.PID)
@Designate(ocd = TensorFlowEngineConfig.class)
public final class TensorFlowEngineComponent implements TensorFlowEngine {

    static final String PID = "org.gantry.engine.tensorflow";
    static final String CACHE_PROPERTY = "org.bytedeco.javacpp.cachedir";
    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowEngineComponent.class);

    private final String version;

    @Activate
    public TensorFlowEngineComponent(TensorFlowEngineConfig config) {
        Path cache = cacheDir(System.getProperty(CACHE_PROPERTY), config.cacheDir(), System.getProperty("karaf.data"),
                System.getProperty("java.io.tmpdir"));
        System.setProperty(CACHE_PROPERTY, cache.toString()); // read by JavaCPP's Loader when it unpacks
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // JavaCPP looks for the natives and its platform properties through this bundle's class loader.
        thread.setContextClassLoader(TensorFlowEngineComponent.class.getClassLoader());
        try {
            long started = System.nanoTime();
            version = TensorFlow.version();
            LOG.info("TensorFlow {} started in {} ms (natives under {})", version,
                    (System.nanoTime() - started) / 1_000_000, cache);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    public String version() {
        return version;
    }

    static Path cacheDir(String fromProperty, String configured, String karafData, String tmp) {
        if (fromProperty != null && !fromProperty.isBlank()) {
            return Path.of(fromProperty);
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return karafData != null ? Path.of(karafData, "javacpp") : Path.of(tmp, "gantry-javacpp");
    }
}
