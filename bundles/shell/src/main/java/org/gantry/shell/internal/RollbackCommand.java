package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;

/** Rolls a model's canary back: its primary version serves all of its traffic, from the next request. */
@Service
@Command(scope = "gantry", name = "rollback",
        description = "Rolls a model's canary back: its primary version serves all of its traffic,"
                + " from the next request")
public class RollbackCommand extends TrafficDecision {

    @Override
    TrafficReport decide(TrafficControl control, String modelName) {
        return control.rollback(modelName);
    }
}
