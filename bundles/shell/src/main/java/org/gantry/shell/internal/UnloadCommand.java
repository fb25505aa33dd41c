package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "gantry", name = "unload", description = "Unloads every version of a model after in-flight requests"
        + " finish")
public class UnloadCommand extends ModelAction {

    @Override
    public Object execute() {
        server.unload(model);
        report("unloaded");
        return null;
    }
}
