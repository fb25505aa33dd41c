package org.gantry.runtime.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Services of one kind that the runtime binds from the OSGi whiteboard and calls in turn. A service that throws is
 * logged and the others are still called: what they hear of (an event, an answered request) must never fail
 * because of them. Reading the list costs no lock, so a call with nothing registered is a list read.
 */
abstract class Whiteboard<T> {

    private static final Logger LOG = LoggerFactory.getLogger(Whiteboard.class);

    private final List<T> services = new CopyOnWriteArrayList<>();
    /** What one service is, for the log: "Model event listener". */
    private final String kind;

    Whiteboard(String kind) {
        this.kind = kind;
    }

    final void add(T service) {
        services.add(service);
    }

    final void remove(T service) {
        services.remove(service);
    }

    final boolean isEmpty() {
        return services.isEmpty();
    }

    /**
     * Calls every service; one that throws is logged as "{kind} {service} failed {what}" and the next is called.
     * {@code what} is a log pattern of one argument, {@code about}.
     */
    final void callEach(Consumer<T> call, String what, Object about) {
        firstAnswer(service -> {
            call.accept(service);
            return null; // no answer: every service is called
        }, what, about);
    }

    /** Asks each service in turn and returns the first answer that is not null, else null; as {@link #callEach}. */
    final <R> R firstAnswer(Function<T, R> ask, String what, Object about) {
        for (T service : services) {
            try {
                R answer = ask.apply(service);
                if (answer != null) {
                    return answer;
                }
            } catch (RuntimeException e) {
                LOG.warn("{} {} failed " + what, kind, service, about, e);
            }
        }
        return null;
    }
}
