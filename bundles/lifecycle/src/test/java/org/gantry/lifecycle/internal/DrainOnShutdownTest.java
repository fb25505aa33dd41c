package org.gantry.lifecycle.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.server.Drain;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

class DrainOnShutdownTest {

    private final AtomicInteger drains = new AtomicInteger();

    @Test
    void theFrameworksStopDrainsTheServerBeforeItGoesOn() {
        new DrainOnShutdown(countingDrain(), framework(Bundle.STOPPING)).deactivate();
        assertEquals(1, drains.get());
    }

    @Test
    void stoppingOrUpdatingThisBundleAloneDoesNotDrain() {
        new DrainOnShutdown(countingDrain(), framework(Bundle.ACTIVE)).deactivate();
        assertEquals(0, drains.get());
    }

    private Drain countingDrain() {
        return (Drain) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Drain.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("drain")) {
                        drains.incrementAndGet();
                        return true;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static Bundle framework(int state) {
        return (Bundle) Proxy.newProxyInstance(DrainOnShutdownTest.class.getClassLoader(),
                new Class<?>[] { Bundle.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("getState")) {
                        return state;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
