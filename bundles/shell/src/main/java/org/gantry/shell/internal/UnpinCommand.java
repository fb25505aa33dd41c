package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.server.ModelServer;

@Service
@Command(scope = "gantry", name = "unpin", description = "Unpins a model: it may be evicted again when memory is short")
public class UnpinCommand implements Action {

    @Reference
    ModelServer server;

    @Argument(index = 0, name = "model", description = "The model name", required = true)
    @Completion(ModelNameCompleter.class)
    String model;

    @Override
    public Object execute() {
        server.pin(model, false);
        System.out.println("Model '" + model + "' is no longer pinned");
        return null;
    }
}
