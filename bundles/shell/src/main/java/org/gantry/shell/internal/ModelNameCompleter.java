package org.gantry.shell.internal;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatus;

/** Completes the names of the models in the repository. */
@Service
public class ModelNameCompleter implements Completer {

    @Reference
    ModelServer server;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter();
        server.index().stream().map(ModelStatus::name).distinct().forEach(names.getStrings()::add);
        return names.complete(session, commandLine, candidates);
    }
}
