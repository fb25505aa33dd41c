package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.traffic.TrafficControl;

/** Rolls a model's canary back: its primary version serves all of its traffic, from the next request. */
@Service
@Command(scope = "gantry", name = "rollback", description = "Rolls a model's canary back: its primary version serves all of its traffic, from the next request")
public class RollbackCommand implements Action {

    @Reference
    TrafficControl traffic;

    @Argument(index = 0, name = "model", description = "The model name", required = true)
    @Completion(ModelNameCompleter.class)
    String model;

    @Override
    public Object execute() {
        TrafficLines.of(traffic.rollback(model)).forEach(System.out::println);
        return null;
    }
}
