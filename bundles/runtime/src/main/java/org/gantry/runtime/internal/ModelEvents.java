package org.gantry.runtime.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.gantry.api.server.ModelEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's event listeners (metrics, the status page, consoles), told of loads, unloads and inferences. Kept
 * apart so that every part that has something to say tells them the same way: a listener that fails is logged and
 * never breaks the work the event reports.
 */
final class ModelEvents {

    private static final Logger LOG = LoggerFactory.getLogger(ModelEvents.class);

    private final List<ModelEventListener> listeners = new CopyOnWriteArrayList<>();

    void add(ModelEventListener listener) {
        listeners.add(listener);
    }

    void remove(ModelEventListener listener) {
        listeners.remove(listener);
    }

    /** Tells every listener; one that fails is logged and the others are still told. */
    void tell(Consumer<ModelEventListener> event) {
        for (ModelEventListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("Model event listener {} failed", listener, e);
            }
        }
    }
}
