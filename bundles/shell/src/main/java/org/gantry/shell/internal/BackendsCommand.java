package org.gantry.shell.internal;

import java.util.Collection;
import java.util.TreeSet;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.gantry.api.backend.Backend;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

@Service
@Command(scope = "gantry", name = "backends", description = "Lists the installed backends: platforms, bundle, and the"
        + " models they serve now")
public class BackendsCommand implements Action {

    @Reference
    ModelServer server;

    @Reference
    BundleContext context;

    @Override
    public Object execute() throws InvalidSyntaxException {
        ShellTable table = new ShellTable();
        table.column("Backend");
        table.column("Platforms");
        table.column("Bundle");
        table.column("Version");
        table.column("Ready models");
        Collection<ServiceReference<Backend>> references = context.getServiceReferences(Backend.class, null);
        for (ServiceReference<Backend> reference : references) {
            Backend backend = context.getService(reference);
            if (backend == null) {
                continue;
            }
            try {
                TreeSet<String> models = new TreeSet<>();
                for (ModelStatus status : server.index()) {
                    if (status.state() == ModelState.READY && serves(backend, status)) {
                        models.add(status.name() + "/" + status.version());
                    }
                }
                table.addRow().addContent(backend.name(), String.join(", ", new TreeSet<>(backend.platforms())),
                        reference.getBundle().getSymbolicName(), reference.getBundle().getVersion(),
                        String.join(", ", models));
            } finally {
                context.ungetService(reference);
            }
        }
        table.print(System.out);
        return null;
    }

    /** Asks the server, which owns the one rule for which backend serves what. */
    private boolean serves(Backend backend, ModelStatus status) {
        try {
            ModelConfig config = server.config(status.name(), status.version());
            return server.backendFor(config).map(backend.name()::equals).orElse(false);
        } catch (GantryException e) {
            return false; // the model left the repository meanwhile
        }
    }
}
