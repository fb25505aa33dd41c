package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.server.ModelServer;

@Service
@Command(scope = "gantry", name = "unload", description = "Unloads every version of a model after in-flight requests"
        + " finish")
public class UnloadCommand implements Action {

    @Reference
    ModelServer server;

    @Argument(index = 0, name = "model", description = "The model name", required = true)
    @Completion(ModelNameCompleter.class)
    String model;

    @Override
    public Object execute() {
        server.unload(model);
        System.out.println("Model '" + model + "' is unloaded");
        return null;
    }
}
