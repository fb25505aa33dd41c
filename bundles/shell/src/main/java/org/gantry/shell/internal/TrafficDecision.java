package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;

/** A decision on a model's canary (promotion, rollback): made, then the model's summary printed. */
abstract class TrafficDecision implements Action {

    @Reference
    TrafficControl traffic;

    @Argument(index = 0, name = "model", description = "The model name", required = true)
    @Completion(ModelNameCompleter.class)
    String model;

    abstract TrafficReport decide(TrafficControl control, String modelName);

    @Override
    public Object execute() {
        TrafficLines.of(decide(traffic, model)).forEach(System.out::println);
        return null;
    }
}
