package org.gantry.provisioning.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.gantry.api.backend.BackendProvisioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provides backends by installing the feature that holds them, once, the first time a model needs one: each feature
 * is installed on the executor, never on the thread that asked. A feature already installed needs nothing more (its
 * backend may still be starting); one whose installation failed stays failed, with the reason, until this component
 * restarts, so that requests do not start an installation each; the operator can always run the manual step.
 */
final class OnDemandFeatures implements BackendProvisioner {

    /** What this needs of Karaf's features service. */
    interface Features {
        /** Whether the feature is known to the feature repositories and installed. */
        boolean isInstalled(String feature) throws Exception;

        /** Installs the feature and starts its bundles; returns when done. */
        void install(String feature) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(OnDemandFeatures.class);

    private final Features features;
    private final Executor installer;
    private final boolean installOnDemand;
    /** Backend name or platform → the feature that provides it. */
    private final Map<String, String> providers;
    /** Feature → its provisioning, once asked for. */
    private final Map<String, Provisioning> provisionings = new ConcurrentHashMap<>();

    OnDemandFeatures(Features features, Executor installer, boolean installOnDemand, Map<String, String> providers) {
        this.features = features;
        this.installer = installer;
        this.installOnDemand = installOnDemand;
        this.providers = Map.copyOf(providers);
    }

    /** Reads comma-separated {@code backendOrPlatform=feature} entries; malformed ones are logged and left out. */
    static Map<String, String> parse(String entries) {
        Map<String, String> providers = new LinkedHashMap<>();
        for (String entry : entries.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] pair = entry.split("=", -1);
            if (pair.length != 2 || pair[0].isBlank() || pair[1].isBlank()) {
                LOG.warn("Ignoring backend provisioning entry '{}': it must read backendOrPlatform=feature", entry);
                continue;
            }
            providers.put(pair[0].trim(), pair[1].trim());
        }
        return providers;
    }

    @Override
    public Optional<Provisioning> provision(String backendOrPlatform) {
        String feature = providers.get(backendOrPlatform);
        if (feature == null) {
            return Optional.empty();
        }
        return Optional.of(provisionings.computeIfAbsent(feature, f -> start(f, backendOrPlatform)));
    }

    private Provisioning start(String feature, String backendOrPlatform) {
        String source = "Karaf feature " + feature;
        String manualStep = "feature:install " + feature;
        if (!installOnDemand) {
            return new Provisioning(source, manualStep, CompletableFuture.failedFuture(new IllegalStateException(
                    "installing backends on demand is off (installOnDemand in etc/org.gantry.provisioning.cfg)")));
        }
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                if (features.isInstalled(feature)) {
                    return; // installed (by hand, or at boot): its backend is there or starting
                }
                LOG.info("Installing Karaf feature {} on demand: a model needs {}", feature, backendOrPlatform);
                long started = System.nanoTime();
                features.install(feature);
                LOG.info("Installed Karaf feature {} in {} s", feature, (System.nanoTime() - started) / 1_000_000_000);
            } catch (Exception e) {
                LOG.warn("Installing Karaf feature {} on demand failed", feature, e);
                throw new CompletionException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
            }
        }, installer);
        return new Provisioning(source, manualStep, done);
    }
}
