package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.gantry.api.server.ModelServer;

/**
 * A command on one named model through the {@link ModelServer}: Karaf injects the fields of this base class as it
 * does a command's own, so each command declares only what it adds.
 */
abstract class ModelAction implements Action {

    @Reference
    ModelServer server;

    @Argument(index = 0, name = "model", description = "The model name", required = true)
    @Completion(ModelNameCompleter.class)
    String model;

    /** Says what became of the model, as every command on one model reports it. */
    void report(String outcome) {
        System.out.println("Model '" + model + "' is " + outcome);
    }
}
