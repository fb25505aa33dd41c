package org.gantry.shell.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.server.ModelEventListener;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

@Service
@Command(scope = "gantry", name = "load", description = "Loads (or reloads) a model's versions and waits until they"
        + " are ready, showing the phase a slow load is in; a new version takes the traffic once ready")
public class LoadCommand extends ModelAction {

    /** How often the console is updated while the load goes on. */
    private static final long TICK_MILLIS = 250;

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() throws Exception {
        LoadProgressPrinter progress = new LoadProgressPrinter(model, System.out, System::nanoTime);
        ServiceRegistration<ModelEventListener> listening = bundleContext.registerService(ModelEventListener.class,
                progress, null);
        long started = System.nanoTime();
        try {
            // The load runs on a thread of its own: only this one may print to the user's console.
            CompletableFuture<Void> load = new CompletableFuture<>();
            Thread loader = new Thread(() -> {
                try {
                    server.load(model);
                    load.complete(null);
                } catch (RuntimeException | Error e) {
                    load.completeExceptionally(e);
                }
            }, "gantry-shell-load-" + model);
            loader.setDaemon(true);
            loader.start();
            awaitPrinting(load, progress);
        } finally {
            listening.unregister();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (progress.wasSlow()) {
            System.out.printf("Model '%s' is loaded in %s (%s)%n", model, LoadProgressPrinter.seconds(
                    TimeUnit.MILLISECONDS.toNanos(millis)), progress.breakdown());
        } else {
            System.out.printf("Model '%s' is loaded (%d ms)%n", model, millis);
        }
        return null;
    }

    private static void awaitPrinting(CompletableFuture<Void> load, LoadProgressPrinter progress) throws Exception {
        while (true) {
            try {
                load.get(TICK_MILLIS, TimeUnit.MILLISECONDS);
                progress.printProgress();
                return;
            } catch (TimeoutException stillLoading) {
                progress.printProgress();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                System.out.println("Stopped waiting; the load goes on in the server (gantry:models shows its state)");
                throw e;
            } catch (ExecutionException e) {
                progress.printProgress();
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }
}
