package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.server.Drain;

@Service
@Command(scope = "gantry", name = "drain", description = "Drains the server, then stops it: readiness and new requests"
        + " get 503, requests in flight finish (at most the drain timeout), then the process exits")
public class DrainCommand implements Action {

    @Reference
    Drain drain;

    @Override
    public Object execute() {
        int inFlight = drain.inFlight();
        drain.drainAndStop();
        System.out.println("Draining: " + inFlight + " requests in flight; the server stops once they finish, within "
                + drain.timeoutSeconds() + " s");
        return null;
    }
}
