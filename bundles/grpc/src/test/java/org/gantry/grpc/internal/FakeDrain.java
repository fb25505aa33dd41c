package org.gantry.grpc.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.server.Drain;

/** A drain that counts admissions and refuses them once {@link #draining} is set; it never stops anything. */
class FakeDrain implements Drain {

    final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();

    @Override
    public boolean isDraining() {
        return draining.get();
    }

    @Override
    public Admission admit() {
        if (draining.get()) {
            throw new GantryException(ErrorKind.UNAVAILABLE, "the server is draining", null, 1);
        }
        inFlight.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        };
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public int timeoutSeconds() {
        return 20;
    }

    @Override
    public boolean drain() {
        draining.set(true);
        return inFlight.get() == 0;
    }

    @Override
    public void drainAndStop() {
        draining.set(true);
    }
}
