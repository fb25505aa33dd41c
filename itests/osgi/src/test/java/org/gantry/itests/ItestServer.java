package org.gantry.itests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Configures the framework's server once for every test class: each configuration change restarts components
 * asynchronously, so a second round of the same changes in another class would restart the server under it.
 */
final class ItestServer {

    static final String BASE = "http://127.0.0.1:" + System.getProperty("org.osgi.service.http.port");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CHAIN_REQUEST = "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[4],"
            + "\"data\":[1,2,3,4]},{\"name\":\"B\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1,1,1,1]}]}";
    private static boolean configured;

    private ItestServer() {
    }

    /**
     * Points the server at the example repository and waits until an ensemble of TorchScript models answers: the
     * repository, the runtime, the REST API and the backends have all restarted with the configuration by then.
     */
    static synchronized void configure(ConfigurationAdmin configAdmin) throws Exception {
        if (configured) {
            return;
        }
        update(configAdmin, "JakartarsServletWhiteboardRuntimeComponent", "jersey.context.path", "/");
        update(configAdmin, "org.gantry.repository", "path", System.getProperty("gantry.itest.models"));
        update(configAdmin, "org.gantry.engine.pytorch", "cacheDir", System.getProperty("gantry.itest.work") + "/djl");
        // A backend provided on demand: requests wait this long before 503 with Retry-After (BackendOnDemandTest).
        update(configAdmin, "org.gantry.runtime", "backendInstallWaitSeconds", "2");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> answer = post("/v2/models/add_sub_chain/infer", CHAIN_REQUEST);
                last = answer.statusCode() + " " + answer.body();
                if (answer.statusCode() == 200) {
                    configured = true;
                    return;
                }
            } catch (IOException notListeningYet) {
                last = notListeningYet.toString(); // Jetty is still starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the server did not become ready; last answer: " + last);
    }

    private static void update(ConfigurationAdmin configAdmin, String pid, String key, String value)
            throws IOException {
        Configuration configuration = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(key, value);
        configuration.update(properties);
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(BASE + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(BASE + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
