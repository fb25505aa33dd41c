package org.gantry.shell.internal;

import java.util.List;
import java.util.Locale;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatistics;

@Service
@Command(scope = "gantry", name = "stats", description = "Inference statistics per model version, as the statistics"
        + " API reports them")
public class StatsCommand implements Action {

    @Reference
    ModelServer server;

    @Argument(index = 0, name = "model", description = "Only this model (default: every known model)")
    @Completion(ModelNameCompleter.class)
    String model;

    @Override
    public Object execute() {
        List<ModelStatistics> statistics = server.statistics(model, null);
        ShellTable table = new ShellTable();
        for (String column : List.of("Model", "Version", "Inferences", "Executions", "Failures", "Mean ms",
                "Mean queue ms", "Mean infer ms")) {
            table.column(column);
        }
        for (ModelStatistics stats : statistics) {
            table.addRow().addContent(stats.name(), stats.version(), stats.inferenceCount(), stats.executionCount(),
                    stats.fail().count(), mean(stats.success()), mean(stats.queue()), mean(stats.computeInfer()));
        }
        table.print(System.out);
        return null;
    }

    private static String mean(ModelStatistics.Duration duration) {
        return duration.count() == 0 ? "-"
                : String.format(Locale.ROOT, "%.3f", duration.nanos() / 1e6 / duration.count());
    }
}
