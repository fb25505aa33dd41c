package org.gantry.runtime.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.server.Drain;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the requests front ends admit and, once a drain begins, refuses new ones and waits for those in flight.
 * The drain is one-way: a drained server stops, and a new process starts afresh (the way nodes of a cluster are
 * replaced). Stopping is the framework's stop, as on SIGTERM, so everything shuts down in its usual order.
 */
@Component(service = Drain.class, configurationPid = ServerDrain.PID)
@Designate(ocd = DrainConfig.class)
public final class ServerDrain implements Drain {

    static final String PID = "org.gantry.drain";
    private static final Logger LOG = LoggerFactory.getLogger(ServerDrain.class);

    private final int timeoutSeconds;
    private final Runnable stopServer;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    /** Guards the counters below and is notified when the last request in flight is answered. */
    private final Object lock = new Object();
    private int inFlight;
    private long drainBeganNanos;
    /** Read without the lock on every readiness probe; written under it. */
    private volatile boolean draining;

    @Activate
    public ServerDrain(DrainConfig config, BundleContext context) {
        this(config.timeoutSeconds(), () -> stopFramework(context));
    }

    ServerDrain(int timeoutSeconds, Runnable stopServer) {
        this.timeoutSeconds = timeoutSeconds;
        this.stopServer = stopServer;
    }

    @Override
    public boolean isDraining() {
        return draining;
    }

    @Override
    public Admission admit() {
        synchronized (lock) {
            if (draining) {
                throw new GantryException(ErrorKind.UNAVAILABLE, "the server is draining before it stops: send the"
                        + " request to another node", null, 1);
            }
            inFlight++;
        }
        return new Ticket();
    }

    @Override
    public int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    @Override
    public int timeoutSeconds() {
        return timeoutSeconds;
    }

    @Override
    public boolean drain() {
        synchronized (lock) {
            if (!draining) {
                draining = true;
                drainBeganNanos = System.nanoTime();
                LOG.info("Draining: readiness is 503, new requests get 503; waiting up to {} s for {} in flight",
                        timeoutSeconds, inFlight);
            }
            // From the drain's beginning, so that a second caller (SIGTERM after gantry:drain) cannot extend it.
            long deadline = drainBeganNanos + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            boolean drained = Monitors.awaitUntil(lock, () -> inFlight == 0, deadline);
            if (!drained && !Thread.currentThread().isInterrupted()) {
                LOG.warn("Drain timeout of {} s passed with {} requests still in flight", timeoutSeconds, inFlight);
            }
            return drained;
        }
    }

    @Override
    public void drainAndStop() {
        if (!stopRequested.compareAndSet(false, true)) {
            return;
        }
        Thread stopper = new Thread(() -> {
            boolean complete = drain();
            LOG.info("Drain over ({}); stopping the server", complete ? "every request answered" : "timed out");
            stopServer.run();
        }, "gantry-drain");
        stopper.start();
    }

    private void release() {
        synchronized (lock) {
            inFlight--;
            if (inFlight == 0) {
                lock.notifyAll();
            }
        }
    }

    private static void stopFramework(BundleContext context) {
        try {
            // Karaf's launcher exits the process once the framework has stopped, as after SIGTERM.
            context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).stop();
        } catch (BundleException | IllegalStateException e) {
            LOG.error("Could not stop the server after its drain", e);
        }
    }

    /** One admission; only its first close counts, so a front end may close it from more than one path. */
    private final class Ticket implements Admission {

        private final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release();
            }
        }
    }
}
