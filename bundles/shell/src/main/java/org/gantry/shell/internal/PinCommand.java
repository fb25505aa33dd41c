package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** Pins a model so that it is never evicted, or unpins it. */
@Service
@Command(scope = "gantry", name = "pin", description = "Pins a model: it is never evicted to make room for others")
public class PinCommand extends ModelAction {

    @Option(name = "--off", description = "Unpin the model instead")
    boolean off;

    @Override
    public Object execute() {
        server.pin(model, !off);
        report(off ? "no longer pinned" : "pinned");
        return null;
    }
}
