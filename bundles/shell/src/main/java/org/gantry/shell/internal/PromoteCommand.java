package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.traffic.TrafficControl;
import org.gantry.api.traffic.TrafficReport;

/** Promotes a model's canary: its candidate version serves all of its traffic, from the next request. */
@Service
@Command(scope = "gantry", name = "promote",
        description = "Promotes a model's canary: its candidate version serves all of its traffic,"
                + " from the next request")
public class PromoteCommand extends TrafficDecision {

    @Override
    TrafficReport decide(TrafficControl control, String modelName) {
        return control.promote(modelName);
    }
}
