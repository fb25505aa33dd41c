package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.server.ModelServer;

@Service
@Command(scope = "gantry", name = "load", description = "Loads (or reloads) a model's versions and waits until they"
        + " are ready; a new version takes the traffic once ready")
public class LoadCommand implements Action {

    @Reference
    ModelServer server;

    @Argument(index = 0, name = "model", description = "The model name", required = true)
    @Completion(ModelNameCompleter.class)
    String model;

    @Override
    public Object execute() {
        long started = System.nanoTime();
        server.load(model);
        System.out.printf("Model '%s' is loaded (%d ms)%n", model, (System.nanoTime() - started) / 1_000_000);
        return null;
    }
}
