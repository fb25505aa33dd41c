package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.server.ModelServer;

/** Pins a model so that it is never evicted, or unpins it. */
@Service
@Command(scope = "gantry", name = "pin", description = "Pins a model: it is never evicted to make room for others")
public class PinCommand implements Action {

    @Reference
    ModelServer server;

    @Argument(index = 0, name = "model", description = "The model name", required = true)
    @Completion(ModelNameCompleter.class)
    String model;

    @Option(name = "--off", description = "Unpin the model instead")
    boolean off;

    @Override
    public Object execute() {
        server.pin(model, !off);
        System.out.println("Model '" + model + "' is " + (off ? "no longer pinned" : "pinned"));
        return null;
    }
}
