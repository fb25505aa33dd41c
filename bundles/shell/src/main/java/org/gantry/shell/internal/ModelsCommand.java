package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatus;

/** The repository index: every model version and its state. */
@Service
@Command(scope = "gantry", name = "models", description = "Lists the models of the repository and their states")
public class ModelsCommand implements Action {

    @Reference
    ModelServer server;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Model");
        table.column("Version");
        table.column("State");
        table.column("Reason");
        for (ModelStatus status : server.index()) {
            table.addRow().addContent(status.name(), status.version(), status.state(), status.reason());
        }
        table.print(System.out);
        return null;
    }
}
