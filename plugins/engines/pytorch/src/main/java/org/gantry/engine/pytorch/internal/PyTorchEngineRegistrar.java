package org.gantry.engine.pytorch.internal;

import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.djl.engine.Engine;

/**
 * Starts DJL's PyTorch engine once and publishes it as an {@link Engine} service with {@code djl.engine=PyTorch}.
 * Backends reference that service instead of starting the engine themselves, so they can be stopped and
 * updated while this bundle, and the native library its class loader loaded, stay put.
 */
@Component(immediate = true, configurationPid = PyTorchEngineRegistrar.PID)
@Designate(ocd = PyTorchEngineConfig.class)
public final class PyTorchEngineRegistrar {

    static final String PID = "org.gantry.engine.pytorch";
    static final String ENGINE_NAME = "PyTorch";
    private static final Logger LOG = LoggerFactory.getLogger(PyTorchEngineRegistrar.class);

    private ServiceRegistration<Engine> registration;

    @Activate
    void activate(BundleContext context, PyTorchEngineConfig config) {
        Path cache = cacheDir(config.cacheDir(), System.getProperty("karaf.data"),
                System.getProperty("java.io.tmpdir"));
        // Never reach for DJL's download server: the natives come from this bundle.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("DJL_CACHE_DIR", cache.toString());
        System.setProperty("ENGINE_CACHE_DIR", cache.toString());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // DJL finds engine providers (ServiceLoader) and native/lib/pytorch.properties through the context
        // class loader: make it this bundle's, which holds both.
        thread.setContextClassLoader(PyTorchEngineRegistrar.class.getClassLoader());
        try {
            long started = System.nanoTime();
            Engine engine = Engine.getEngine(ENGINE_NAME);
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("djl.engine", ENGINE_NAME);
            properties.put("djl.engine.version", engine.getVersion());
            registration = context.registerService(Engine.class, engine, properties);
            LOG.info("PyTorch {} engine started in {} ms (natives under {})", engine.getVersion(),
                    (System.nanoTime() - started) / 1_000_000, cache);
        } catch (RuntimeException | LinkageError e) {
            LOG.error("The PyTorch engine could not start, so TorchScript models cannot be served: {}", e.toString(),
                    e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }

    /**
     * The configured folder, else {@code <karaf.data>/djl}, else a temporary one. The environment variable
     * {@code DJL_CACHE_DIR} reaches it through the configuration file's placeholder.
     */
    static Path cacheDir(String configured, String karafData, String tmp) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return karafData != null ? Path.of(karafData, "djl") : Path.of(tmp, "gantry-djl");
    }
}
