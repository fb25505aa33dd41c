package org.gantry.runtime.internal;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.gantry.api.backend.BackendProvisioner;
import org.gantry.api.backend.BackendProvisioner.Provisioning;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;

/**
 * Backends on demand: when a model needs a backend that does not run, the provisioners (a Karaf feature installer,
 * say) are asked for one, and the request waits a bounded time for it. While it is still on its way the request
 * gets 503 with Retry-After; when providing it failed, 503 with the reason and the step that provides it by hand.
 * Either way the request thread never waits longer than the bound.
 */
final class BackendProvisioning {

    /** How soon a client should ask again while a backend is on its way. */
    static final int RETRY_AFTER_SECONDS = 5;

    /** What provisioning needs of the runtime's backend tracking. */
    @FunctionalInterface
    interface Backends {
        /** Waits up to {@code nanos} for a running backend that serves the configuration; true when one does. */
        boolean await(ModelConfig config, long nanos);
    }

    private final List<BackendProvisioner> provisioners = new CopyOnWriteArrayList<>();
    private final Backends backends;
    private final long waitNanos;

    BackendProvisioning(Backends backends, long waitNanos) {
        this.backends = backends;
        this.waitNanos = waitNanos;
    }

    void add(BackendProvisioner provisioner) {
        provisioners.add(provisioner);
    }

    void remove(BackendProvisioner provisioner) {
        provisioners.remove(provisioner);
    }

    /** Asks for a backend for the configuration without waiting (as readiness does); empty when none is known. */
    Optional<Provisioning> start(ModelConfig config) {
        String wanted = wanted(config);
        if (wanted.isEmpty()) {
            return Optional.empty();
        }
        for (BackendProvisioner provisioner : provisioners) {
            Optional<Provisioning> provisioning = provisioner.provision(wanted);
            if (provisioning.isPresent()) {
                return provisioning;
            }
        }
        return Optional.empty();
    }

    /**
     * For a configuration that no running backend serves: returns once one does, or at once when no provisioner
     * knows one (the load then reports the missing backend as before).
     *
     * @throws GantryException UNAVAILABLE with Retry-After while the backend is still on its way after the wait (or
     *         the request's deadline), UNAVAILABLE naming the manual step when providing it failed
     */
    void await(ModelConfig config, long deadlineNanos) {
        Optional<Provisioning> started = start(config);
        if (started.isEmpty()) {
            return;
        }
        Provisioning provisioning = started.get();
        long until = Math.min(System.nanoTime() + waitNanos, deadlineNanos);
        try {
            provisioning.done().toCompletableFuture().get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException stillOnItsWay) {
            throw onItsWay(config, provisioning, "it is being provided now");
        } catch (ExecutionException failed) {
            Throwable cause = failed.getCause() == null ? failed : failed.getCause();
            throw GantryException.unavailable("model '%s' needs %s, which no running backend serves; providing it"
                    + " through %s failed: %s. To provide it by hand: %s", config.name(), describe(config),
                    provisioning.source(), cause.getMessage(), provisioning.manualStep());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw onItsWay(config, provisioning, "it is being provided now");
        }
        if (!backends.await(config, Math.max(0, until - System.nanoTime()))) {
            throw onItsWay(config, provisioning, "it is provided, and its backend is starting");
        }
    }

    private static GantryException onItsWay(ModelConfig config, Provisioning provisioning, String state) {
        return new GantryException(ErrorKind.UNAVAILABLE, String.format("model '%s' needs %s, which %s provides: %s;"
                + " retry shortly (to provide it by hand: %s)", config.name(), describe(config), provisioning.source(),
                state, provisioning.manualStep()), null, RETRY_AFTER_SECONDS);
    }

    private static String wanted(ModelConfig config) {
        return !config.backend().isEmpty() ? config.backend() : config.platform();
    }

    private static String describe(ModelConfig config) {
        return !config.backend().isEmpty() ? "backend '" + config.backend() + "'"
                : "platform '" + config.platform() + "'";
    }
}
