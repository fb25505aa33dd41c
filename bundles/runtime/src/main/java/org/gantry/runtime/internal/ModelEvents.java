package org.gantry.runtime.internal;

import java.util.function.Consumer;

import org.gantry.api.server.ModelEventListener;

/**
 * The runtime's event listeners (metrics, the status page, consoles), told of loads, unloads and inferences. Kept
 * apart so that every part that has something to say tells them the same way: a listener that fails is logged and
 * never breaks the work the event reports.
 */
final class ModelEvents extends Whiteboard<ModelEventListener> {

    ModelEvents() {
        super("Model event listener");
    }

    /** Tells every listener; one that fails is logged and the others are still told. */
    void tell(Consumer<ModelEventListener> event) {
        callEach(event, "on {}", "an event");
    }
}
