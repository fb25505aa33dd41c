package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "gantry", name = "unpin", description = "Unpins a model: it may be evicted again when memory is short")
public class UnpinCommand extends ModelAction {

    @Override
    public Object execute() {
        server.pin(model, false);
        report("no longer pinned");
        return null;
    }
}
