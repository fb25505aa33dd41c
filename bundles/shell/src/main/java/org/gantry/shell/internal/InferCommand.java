package org.gantry.shell.internal;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.protocol.kserve.KServeJson;

@Service
@Command(scope = "gantry", name = "infer", description = "Runs an inference from the console: a KServe v2 JSON request"
        + " in, the JSON response out, e.g. gantry:infer simple_linear '{\"inputs\": [...]}'")
public class InferCommand extends ModelAction {

    @Argument(index = 1, name = "request", description = "The request as KServe v2 JSON", required = true)
    String json;

    @Option(name = "--version", description = "The model version (default: the one its policy serves)")
    String version;

    @Override
    public Object execute() {
        InferenceRequest request = KServeJson.readRequest(json);
        System.out.println(KServeJson.writeResponse(server.infer(model, version, request)));
        return null;
    }
}
