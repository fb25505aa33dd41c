package org.gantry.engine.libtorch.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;

import org.gantry.engine.libtorch.LibTorchEngine;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the bridge library once and registers the {@link LibTorchEngine} service, with properties
 * {@code libtorch.version}, {@code libtorch.cuda} (built with CUDA) and {@code libtorch.cuda.devices}. When the
 * library cannot load (no libtorch on this machine, or another version than it was built against) it logs one
 * error and registers nothing, so backends asking for it say that it is missing.
 *
 * <p>A JNI library loads into one class loader per JVM, so this bundle is never updated with the backends.
 */
@Component(immediate = true, configurationPid = LibTorchEngineComponent.PID)
@Designate(ocd = LibTorchEngineConfig.class)
public final class LibTorchEngineComponent {

    static final String PID = "org.gantry.engine.libtorch";
    static final String LIBRARY = "libgantry_libtorch.so";
    static final String RESOURCE = "native/linux-x86_64/" + LIBRARY;
    private static final Logger LOG = LoggerFactory.getLogger(LibTorchEngineComponent.class);

    private ServiceRegistration<LibTorchEngine> registration;

    @Activate
    void activate(BundleContext context, LibTorchEngineConfig config) {
        Path library = null;
        try {
            library = config.nativeLibrary().isBlank()
                    ? extractBundled(cacheDir(config.cacheDir(), System.getProperty("karaf.data"),
                            System.getProperty("java.io.tmpdir"), System.getProperty("user.name")))
                    : Path.of(config.nativeLibrary());
            NativeEngine engine = (NativeEngine) open(library);
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("libtorch.version", engine.version());
            properties.put("libtorch.cuda", engine.builtWithCuda());
            properties.put("libtorch.cuda.devices", engine.cudaDeviceCount());
            registration = context.registerService(LibTorchEngine.class, engine, properties);
            LOG.info("libtorch {} engine ready from {} ({})", engine.version(), library,
                    engine.cudaAvailable() ? engine.cudaDeviceCount() + " CUDA device(s)" : "CPU only");
        } catch (UncheckedIOException | IllegalStateException | LinkageError e) {
            LOG.error("The libtorch engine could not load its native library {}, so no model can use engine=libtorch:"
                    + " {}. Install libtorch (Debian: libtorch-dev) or set nativeLibrary in {}.cfg to a"
                    + " libgantry_libtorch.so built against this machine's libtorch.", library, e.toString(), PID);
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
     * Loads the bridge from a file (once per class loader; loading the same path again is a no-op) and returns an
     * engine over it. For tests and tools outside OSGi too.
     *
     * @throws UnsatisfiedLinkError when the library or libtorch cannot be loaded
     */
    public static LibTorchEngine open(Path library) {
        String other = loadedLibTorch();
        if (other != null) {
            // Two libtorch releases in one process abort it (c10's dispatcher registers its kernels twice).
            throw new IllegalStateException("another libtorch is already loaded in this JVM (" + other + "), probably"
                    + " DJL's from org.gantry.engine.pytorch: one server runs one of the two engines");
        }
        System.load(library.toAbsolutePath().toString());
        return new NativeEngine();
    }

    /** A libtorch_cpu mapped into this process already, not by this bridge (from /proc/self/maps), or null. */
    static String loadedLibTorch() {
        try {
            List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
            if (maps.stream().anyMatch(line -> line.endsWith("/" + LIBRARY))) {
                return null; // the bridge is loaded already, with its libtorch
            }
            return maps.stream()
                    .filter(line -> line.contains("libtorch_cpu.so") && line.indexOf('/') >= 0)
                    .map(line -> line.substring(line.indexOf('/')))
                    .findFirst().orElse(null);
        } catch (IOException | RuntimeException e) {
            return null; // not Linux: nothing to check
        }
    }

    /** Copies the bundled library to {@code <cache>/<sha-256 prefix>/libgantry_libtorch.so}, once per content. */
    public static Path extractBundled(Path cache) {
        try (InputStream in = LibTorchEngineComponent.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("this bundle holds no " + RESOURCE);
            }
            Path temp = Files.createTempFile(Files.createDirectories(cache), "gantry-libtorch", ".tmp");
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
                Files.copy(digesting, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            Path target = cache.resolve(HexFormat.of().formatHex(digest.digest(), 0, 8)).resolve(LIBRARY);
            if (Files.isRegularFile(target) && Files.size(target) == Files.size(temp)) {
                Files.delete(temp);
            } else {
                Files.createDirectories(target.getParent());
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + RESOURCE + " to " + cache, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path cacheDir(String configured, String karafData, String tmp, String user) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return karafData != null ? Path.of(karafData, "gantry-libtorch") : Path.of(tmp, "gantry-libtorch-" + user);
    }
}
