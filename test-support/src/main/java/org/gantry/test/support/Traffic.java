package org.gantry.test.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Clients that call again and again, each on a thread of its own, until the test stops them: the traffic under which a
 * test replaces a version, a backend or a configuration. Each client calls at least once.
 *
 * @param <T> what one call answers
 */
public final class Traffic<T> implements AutoCloseable {

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService threads;
    private final List<Future<List<T>>> clients = new ArrayList<>();

    private Traffic(int count, Callable<T> call) {
        threads = Executors.newFixedThreadPool(count);
        for (int c = 0; c < count; c++) {
            clients.add(threads.submit(() -> {
                List<T> answers = new ArrayList<>();
                do {
                    answers.add(call.call());
                } while (running.get());
                return answers;
            }));
        }
    }

    /** Starts {@code count} clients, each making {@code call} again and again. */
    public static <T> Traffic<T> start(int count, Callable<T> call) {
        return new Traffic<>(count, call);
    }

    /**
     * Stops the clients and waits for them; returns each client's answers in the order it got them.
     *
     * @throws ExecutionException with what a call threw (a failed request, a failed assertion), where one did
     */
    public List<List<T>> stop() throws InterruptedException, ExecutionException {
        running.set(false);
        List<List<T>> answers = new ArrayList<>();
        for (Future<List<T>> client : clients) {
            answers.add(client.get());
        }
        threads.shutdown();
        return answers;
    }

    @Override
    public void close() {
        running.set(false);
        threads.shutdownNow();
    }
}
