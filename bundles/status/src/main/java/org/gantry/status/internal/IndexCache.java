package org.gantry.status.internal;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.gantry.api.server.ModelStatus;

/**
 * The runtime's index (every model version and its state) for the status page, refreshed in the background. The
 * index reads every model's configuration from the repository, half a second or more for 1,000 models, too slow to
 * do for every poll of every open page. So a poll gets the last index at once and, when it is stale, starts one
 * refresh for the next poll: stale after {@link #AFTER_CHANGE_MILLIS} once the runtime reported a load, unload or
 * failure since it was taken, else after {@link #MAX_AGE_MILLIS} (a model added to the repository). The memory map
 * and loads in progress do not wait for it: they come from the memory manager and the runtime's events each time.
 */
final class IndexCache implements AutoCloseable {

    static final long AFTER_CHANGE_MILLIS = 1_000;
    static final long MAX_AGE_MILLIS = 15_000;

    /** An index and what was known when it was taken. */
    private record Taken(List<ModelStatus> index, long atMillis, long changesSeen) {
    }

    private final Supplier<List<ModelStatus>> index;
    private final LongSupplier changes;
    private final LongSupplier clock;
    private final ExecutorService refresher = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "gantry-status-index");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Taken last;

    /**
     * @param index   the runtime's index (slow)
     * @param changes a count that grows with every load, unload and failure the runtime reports
     */
    IndexCache(Supplier<List<ModelStatus>> index, LongSupplier changes, LongSupplier clock) {
        this.index = index;
        this.changes = changes;
        this.clock = clock;
    }

    /** The last index taken; the first call takes it, later calls start a refresh when it is stale. */
    List<ModelStatus> current() {
        Taken taken = last;
        if (taken == null) {
            return take().index();
        }
        long age = clock.getAsLong() - taken.atMillis();
        boolean stale = age >= MAX_AGE_MILLIS
                || (age >= AFTER_CHANGE_MILLIS && changes.getAsLong() != taken.changesSeen());
        if (stale && refreshing.compareAndSet(false, true)) {
            refresher.execute(() -> {
                try {
                    take();
                } finally {
                    refreshing.set(false);
                }
            });
        }
        return taken.index();
    }

    private Taken take() {
        long seen = changes.getAsLong(); // before: a change during the read makes the result stale again
        Taken taken = new Taken(List.copyOf(index.get()), clock.getAsLong(), seen);
        last = taken;
        return taken;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
