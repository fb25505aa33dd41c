package org.gantry.runtime.internal;

import java.util.Optional;
import java.util.SortedSet;

import org.gantry.api.backend.Backend;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.RepositoryModel;

/**
 * Model readiness where models load on their first request: a version is ready when a request for it would be
 * served now. It is loaded and ready, or its load would start and, as far as can be told without loading, succeed:
 * its configuration reads, a backend for it runs, its last load did not fail within the retry delay, and its
 * expected footprint fits a device the backend can use (evicting idle models if need be). So a client that checks
 * readiness before its first request, as Triton's examples do, gets served instead of waiting for a load that only
 * a request would start; whether the model is resident stays what the repository index and statistics say.
 */
final class OnDemandReadiness {

    /** What readiness looks at in the runtime. */
    interface Runtime {
        /** The model as a request would load it; throws NOT_FOUND (or INVALID_ARGUMENT for a bad config). */
        RepositoryModel model(String name);

        /** The version requests reach now, or null. */
        ModelVersion registered(String model, long version);

        /** The running backend that serves a configuration, or null (and one may be asked for meanwhile). */
        Backend backendFor(ModelConfig config);
    }

    private final Runtime runtime;
    private final MemoryManager memory;
    private final long retryDelayNanos;

    OnDemandReadiness(Runtime runtime, MemoryManager memory, long retryDelayNanos) {
        this.runtime = runtime;
        this.memory = memory;
        this.retryDelayNanos = retryDelayNanos;
    }

    /** Whether a request for the version (null: the default one) would be served now. */
    boolean willServe(String modelName, String version) {
        try {
            RepositoryModel model = runtime.model(modelName);
            SortedSet<Long> selected = model.config().versionPolicy().select(model.versions());
            Optional<Long> chosen = version == null ? Optional.ofNullable(selected.isEmpty() ? null : selected.last())
                    : ModelCatalog.parseVersion(version).filter(selected::contains);
            if (chosen.isEmpty()) {
                return false;
            }
            ModelVersion known = runtime.registered(modelName, chosen.get());
            if (known != null && known.isReady()) {
                return true;
            }
            if (known != null && known.failedWithin(retryDelayNanos)) {
                return false; // a request now gets that failure
            }
            Backend backend = runtime.backendFor(model.config());
            return backend != null && fits(model, chosen.get(), backend);
        } catch (GantryException unknownOrUnreadable) {
            return false;
        }
    }

    /** The expected footprint (measured before, else estimated from the files) within some usable device's budget. */
    private boolean fits(RepositoryModel model, long version, Backend backend) {
        Artifact artifact = Artifact.of(model.directory().resolve(Long.toString(version)));
        long expected = memory.learnedFootprint(artifact.key(model.name(), version))
                .orElse((long) Math.ceil(artifact.bytes() * backend.footprintPerArtifactByte()));
        long instances = model.config().instanceCount();
        return memory.report().devices().stream()
                .filter(device -> backend.deviceKinds().contains(device.device().kind()))
                .mapToLong(MemoryReport.DeviceMemory::budgetBytes)
                .anyMatch(budget -> expected * instances <= budget);
    }
}
