package org.gantry.runtime.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.BackendProvisioner;
import org.gantry.api.model.ModelConfig;

/**
 * Which backend serves what: the running backends (whiteboard services), the ones that served before and are
 * expected back (a bundle being updated), and the provisioners that provide missing ones on demand. The one rule
 * is {@link Backend#serves}: the first running backend that says it serves a configuration serves it.
 */
final class BackendTracker {

    private final List<Backend> backends = new CopyOnWriteArrayList<>();
    /** Signalled when a backend arrives; guards {@link #servedBefore}. */
    private final Object backendsChanged = new Object();
    /** Backend names and platforms that some backend has served: when it goes, one is expected back (an update). */
    private final Set<String> servedBefore = new HashSet<>();
    /** Backends that ship but do not run, provided on demand (a Karaf feature installed on first use). */
    private final BackendProvisioning provisioning;
    /** How long a request waits for a backend that served before to come back. */
    private final long waitNanos;
    /**
     * Whether the server has started: until then the backends it boots with are still arriving, and a request for
     * one not seen yet waits for it as for one being updated. Guarded by {@link #backendsChanged}.
     */
    private boolean started = true;

    BackendTracker(long waitNanos, long installWaitNanos) {
        this.waitNanos = waitNanos;
        this.provisioning = new BackendProvisioning((wanted, nanos) -> awaitServing(wanted, System.nanoTime() + nanos),
                installWaitNanos);
    }

    void add(Backend backend) {
        backends.add(backend);
        synchronized (backendsChanged) {
            servedBefore.add(backend.name());
            servedBefore.addAll(backend.platforms());
            backendsChanged.notifyAll();
        }
    }

    void remove(Backend backend) {
        backends.remove(backend);
    }

    /**
     * Whether the server has started (its start-up condition holds): a request that comes before it waits for a
     * backend never seen, which may still be starting, instead of failing for want of it.
     */
    void started(boolean hasStarted) {
        synchronized (backendsChanged) {
            started = hasStarted;
            backendsChanged.notifyAll();
        }
    }

    boolean hasStarted() {
        synchronized (backendsChanged) {
            return started;
        }
    }

    void addProvisioner(BackendProvisioner provisioner) {
        provisioning.add(provisioner);
    }

    void removeProvisioner(BackendProvisioner provisioner) {
        provisioning.remove(provisioner);
    }

    /** The running backends, in the order they arrived. */
    List<Backend> running() {
        return List.copyOf(backends);
    }

    /** Whether the backend still runs (it may have left while a model was loading on it). */
    boolean isRunning(Backend backend) {
        return backends.contains(backend);
    }

    /** The running backend that serves the configuration, or null. */
    Backend backendFor(ModelConfig config) {
        for (Backend backend : backends) {
            if (backend.serves(config)) {
                return backend;
            }
        }
        return null;
    }

    /** As {@link #backendFor}, and when none runs, asks the provisioners for one without waiting (readiness). */
    Backend backendOrProvision(ModelConfig config) {
        Backend backend = backendFor(config);
        if (backend == null) {
            provisioning.start(config); // a client asking is a client about to ask for it: start providing it
        }
        return backend;
    }

    /** The deadline of one wait for a backend that is away, starting now. */
    long waitDeadline() {
        return System.nanoTime() + waitNanos;
    }

    /**
     * While the backend a model needs is away but served before (a backend bundle being updated or restarted),
     * waits for it to come back until {@code deadline} ({@code backendWaitSeconds} after the request first looked, at
     * most), so that requests meanwhile are delayed instead of failed. The same while the server starts: the backends
     * it boots with arrive one by one. Once started, a backend that never existed is not waited for, unless a
     * provisioner provides it on demand: the load then fails at once with the reason.
     */
    void await(ModelConfig config, long deadline) {
        if (awaitStarted(config, deadline) && backendFor(config) != null) {
            return;
        }
        if (servedBefore(config) && awaitServing(config, deadline)) {
            return;
        }
        if (backendFor(config) == null) {
            provisioning.await(config, deadline); // one that ships but does not run may be provided on demand
        }
    }

    /**
     * While the server starts, waits until it has started or a running backend serves the configuration; false when
     * the deadline passed first.
     */
    private boolean awaitStarted(ModelConfig config, long deadline) {
        return awaitUntil(() -> started || backendFor(config) != null, deadline);
    }

    /** Waits until a running backend serves the configuration or the deadline passes; true when one does. */
    private boolean awaitServing(ModelConfig config, long deadline) {
        return awaitUntil(() -> backendFor(config) != null, deadline);
    }

    /** Waits, as backends come and go, until the condition holds or the deadline passes; true when it holds. */
    private boolean awaitUntil(BooleanSupplier condition, long deadline) {
        synchronized (backendsChanged) {
            return Monitors.awaitUntil(backendsChanged, condition, deadline);
        }
    }

    /** Whether a backend for the model served before: one that is away now is expected back (an update). */
    boolean servedBefore(ModelConfig config) {
        synchronized (backendsChanged) {
            return servedBefore.contains(!config.backend().isEmpty() ? config.backend() : config.platform());
        }
    }

    /** Why no backend serves the configuration, naming the ones installed. */
    String noBackendMessage(ModelConfig config) {
        if (config.backend().isEmpty() && config.platform().isEmpty()) {
            return "config.pbtxt of model '" + config.name() + "' names neither a platform nor a backend";
        }
        String wanted = !config.backend().isEmpty() ? "no backend or processor named '" + config.backend() + "'"
                : "no backend for platform '" + config.platform() + "'";
        String installed = backends.isEmpty() ? "none"
                : backends.stream().map(b -> b.name() + " " + b.platforms()).collect(Collectors.joining(", "));
        return wanted + " is installed (installed backends: " + installed + ")";
    }
}
