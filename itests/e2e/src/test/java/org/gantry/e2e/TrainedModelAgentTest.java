package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.gantry.e2e.KarafServer.Reply;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KServe's TrainedModel contract (deploy/kserve/trained-model.yaml), with this test in the model agent's part, as
 * kserve's pkg/agent/puller.go does it: for a new TrainedModel the agent downloads the model into
 * {@code /mnt/models/<name>} (the server's repository) and then calls {@code POST /v2/repository/models/<name>/load}
 * with the body {@code {}}; for a deleted one it removes the folder first and then calls {@code .../unload}. The
 * agent only logs a status other than 200, so 200 is the contract.
 */
class TrainedModelAgentTest {

    private static final String REQUEST = E2eRequests.SIMPLE_LINEAR;
    @AutoClose
    private static KarafServer server;

    @BeforeAll
    static void start() throws Exception {
        KarafServer.Setup setup = KarafServer.in("trained-model");
        Path mntModels = setup.work().resolve("mnt-models");
        E2eFiles.delete(mntModels);
        Files.createDirectories(mntModels);
        // The InferenceService of deploy/kserve/trained-model.yaml: no storageUri, so /mnt/models starts empty.
        server = setup.models(mntModels).environment("MULTI_MODEL_SERVER", "true").start();
        awaitPyTorchBackend();
    }

    /**
     * An empty repository is ready at once, possibly before the PyTorch backend has registered (a load then gets
     * 503 naming the backends installed); a pod's first TrainedModel comes later than that. The tests start once a
     * model of that backend loads.
     */
    private static void awaitPyTorchBackend() throws Exception {
        download("startup", config -> config.replaceFirst("(?m)^name: .*\n", ""));
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(2).toNanos();
        Reply loaded = agentCall("startup", "load");
        while (loaded.status() == 503 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            loaded = agentCall("startup", "load");
        }
        assertEquals(200, loaded.status(), loaded.body());
        E2eFiles.delete(server.models().resolve("startup"));
        assertEquals(200, agentCall("startup", "unload").status());
    }

    @Test
    void aTrainedModelIsServedOnceTheAgentLoadsItAndGoneOnceItUnloadsIt() throws Exception {
        // A TrainedModel's name need not be the config's: a config.pbtxt without a name takes its folder's.
        download("customer-a", config -> config.replaceFirst("(?m)^name: .*\\n", ""));
        Reply loaded = agentCall("customer-a", "load");
        assertEquals(200, loaded.status(), loaded.body());
        assertEquals(200, server.call("GET", "/v2/models/customer-a/ready", null).status());
        Reply answer = server.call("POST", "/v2/models/customer-a/infer", REQUEST);
        assertEquals(200, answer.status(), answer.body());
        assertTrue(answer.body().contains("\"model_name\":\"customer-a\""), answer.body());
        assertTrue(answer.body().contains("\"data\":[8.0,2.0]"), answer.body());

        // The agent deletes the folder before it calls unload: the loaded model must still unload cleanly.
        E2eFiles.delete(server.models().resolve("customer-a"));
        Reply unloaded = agentCall("customer-a", "unload");
        assertEquals(200, unloaded.status(), unloaded.body());
        assertNotEquals(200, server.call("GET", "/v2/models/customer-a/ready", null).status());
        assertEquals(404, server.call("POST", "/v2/models/customer-a/infer", REQUEST).status(),
                "a removed TrainedModel is not loaded again on demand");
        String memory = server.call("GET", "/v2/memory", null).body();
        assertTrue(!memory.contains("\"customer-a\""), "its memory is released: " + memory);
    }

    @Test
    void severalTrainedModelsShareTheServerEachUnderItsOwnName() throws Exception {
        download("customer-b", config -> config.replaceFirst("(?m)^name: .*$", "name: \"customer-b\""));
        download("customer-c", config -> config.replaceFirst("(?m)^name: .*\\n", ""));
        assertEquals(200, agentCall("customer-b", "load").status());
        assertEquals(200, agentCall("customer-c", "load").status());
        for (String model : new String[] { "customer-b", "customer-c" }) {
            Reply answer = server.call("POST", "/v2/models/" + model + "/infer", REQUEST);
            assertEquals(200, answer.status(), answer.body());
        }
        String index = server.call("POST", "/v2/repository/index", "{\"ready\": true}").body();
        assertTrue(index.contains("\"customer-b\"") && index.contains("\"customer-c\""), index);
    }

    /** What the agent's downloader leaves: the TrainedModel's storageUri, a Triton model folder, in /mnt/models. */
    private static void download(String name, java.util.function.UnaryOperator<String> config) throws IOException {
        Path target = server.models().resolve(name);
        E2eFiles.copy(E2eFiles.EXAMPLES.resolve("simple_linear"), target);
        Path pbtxt = target.resolve("config.pbtxt");
        Files.writeString(pbtxt, config.apply(Files.readString(pbtxt)));
    }

    /** The agent's request: POST, Content-Type application/json, body {}, on the server's HTTP port. */
    private static Reply agentCall(String model, String action) {
        return server.call("POST", "/v2/repository/models/" + model + "/" + action, "{}");
    }
}
