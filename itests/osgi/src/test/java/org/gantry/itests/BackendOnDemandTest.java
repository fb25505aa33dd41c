package org.gantry.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.BackendProvisioner;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelServer;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Backends on demand through the service registry, as Karaf's feature installer provides TensorFlow: a provisioner
 * service that registers a backend service when its "installation" finishes, here when the test says so. The
 * request waits a bounded time (2 s here), gets UNAVAILABLE (503) with Retry-After and the manual step while the
 * backend is on its way, and is served once its service registered.
 */
@ExtendWith({ BundleContextExtension.class, ServiceExtension.class })
class BackendOnDemandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PLATFORM = "itest_on_demand";
    private static final String CONFIG = "{\"name\":\"on_demand\",\"platform\":\"" + PLATFORM + "\","
            + "\"input\":[{\"name\":\"INPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[-1]}],"
            + "\"output\":[{\"name\":\"OUTPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[-1]}]}";
    private static final String INFER = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[2],\"datatype\":\"FP32\","
            + "\"data\":[1.5,-2]}]}";

    private ServiceRegistration<BackendProvisioner> provisioner;
    private ServiceRegistration<Backend> backend;

    @BeforeAll
    static void configure(@InjectService ConfigurationAdmin configAdmin) throws Exception {
        ItestServer.configure(configAdmin);
    }

    @AfterEach
    void cleanUp(@InjectService(timeout = 60_000) ModelServer server) {
        if (server.isModelReady("on_demand", null)) {
            server.unload("on_demand"); // the other classes read the memory view from an empty start
        }
        for (ServiceRegistration<?> registration : new ServiceRegistration<?>[] { provisioner, backend }) {
            if (registration != null) {
                registration.unregister();
            }
        }
    }

    /** Answers with its input: all the test needs of a backend. */
    private static final class EchoBackend implements Backend {
        @Override
        public String name() {
            return "itest-echo";
        }

        @Override
        public Set<String> platforms() {
            return Set.of(PLATFORM);
        }

        @Override
        public LoadedModel load(ModelLoadContext context) {
            return new LoadedModel() {
                @Override
                public List<Tensor> infer(InferenceRequest request) {
                    Tensor input = request.inputs().get(0);
                    return List.of(Tensor.of("OUTPUT__0", input.dataType(), input.shape(), input.data()));
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void aModelWhoseBackendIsInstalledOnDemandGets503WithRetryAfterUntilItsServiceRegisters(
            @InjectBundleContext BundleContext context, @InjectService(timeout = 60_000) ModelServer server)
            throws Exception {
        CompletableFuture<Void> installing = new CompletableFuture<>();
        provisioner = context.registerService(BackendProvisioner.class, wanted -> wanted.equals(PLATFORM)
                ? Optional.of(new BackendProvisioner.Provisioning("itest feature gantry-backend-echo",
                        "feature:install gantry-backend-echo", installing))
                : Optional.empty(), null);
        // The load API's override, through the service: over HTTP, Felix's test server cannot tell loopback.
        ModelOverride override = new ModelOverride(CONFIG, Map.of("1/model.bin", new byte[16]));

        GantryException onItsWay = assertThrows(GantryException.class, () -> server.load("on_demand", override));

        assertEquals(ErrorKind.UNAVAILABLE, onItsWay.kind());
        assertEquals(OptionalInt.of(5), onItsWay.retryAfterSeconds());
        assertTrue(onItsWay.getMessage().contains("itest feature gantry-backend-echo provides: it is being provided"
                + " now"), onItsWay.getMessage());
        assertTrue(onItsWay.getMessage().contains("feature:install gantry-backend-echo"), onItsWay.getMessage());

        backend = context.registerService(Backend.class, new EchoBackend(), null); // the feature's bundle started
        installing.complete(null);

        server.load("on_demand", override);
        HttpResponse<String> answer = ItestServer.post("/v2/models/on_demand/infer", INFER);
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("[1.5,-2.0]", JSON.readTree(answer.body()).get("outputs").get(0).get("data").toString());
    }
}
