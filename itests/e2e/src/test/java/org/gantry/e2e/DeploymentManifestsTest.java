package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The deployment files in deploy/ parse, and name what the build produces: the image of deploy/image/image.env
 * (tagged with the project's version), Gantry's ports (the defaults in the distribution's etc/), the paths its
 * entrypoint serves models from, and HTTP endpoints its API has (the OpenAPI document generated from the resources).
 * docs/deployment.md names every file in deploy/, and only files that exist.
 */
class DeploymentManifestsTest {

    private static final Path ROOT = BuildFacts.ROOT;
    private static final Path DEPLOY = ROOT.resolve("deploy");
    private static final Path DISTRIBUTION = E2eFiles.DISTRIBUTION;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyManifestParses() throws IOException {
        List<Path> files = files(".yaml", ".json");
        assertTrue(files.size() >= 20, "deploy/ holds the manifests: " + files);
        for (Path file : files) {
            if (file.toString().endsWith(".json")) {
                assertTrue(JSON.readTree(file.toFile()).isObject(), file.toString());
            } else {
                List<Object> documents = yamlDocuments(file);
                assertFalse(documents.isEmpty(), file.toString());
                documents.forEach(document -> assertTrue(document instanceof Map, file + ": " + document));
            }
        }
    }

    @Test
    void theImageIsTaggedWithTheProjectVersion() throws IOException {
        Map<String, String> image = BuildFacts.imageEnv();
        assertEquals(System.getProperty("gantry.version").replace("-SNAPSHOT", ""), image.get("GANTRY_IMAGE_TAG"));
        assertEquals(BuildFacts.portDefault("GANTRY_HTTP_PORT"), Integer.parseInt(image.get("GANTRY_IMAGE_HTTP_PORT")),
                "the image exposes the port the distribution listens on");
    }

    @Test
    void everyKubernetesContainerRunsTheImageTheBuildProduces() throws IOException {
        Map<String, String> facts = BuildFacts.imageEnv();
        String image = facts.get("GANTRY_IMAGE_NAME") + ":" + facts.get("GANTRY_IMAGE_TAG");
        List<String> images = new ArrayList<>();
        for (Path file : files(".yaml")) {
            for (Object document : yamlDocuments(file)) {
                walk(document, (key, value) -> {
                    if (key.equals("image")) {
                        images.add(file.getFileName() + ": " + value);
                    }
                });
            }
        }
        assertFalse(images.isEmpty());
        images.forEach(named -> assertTrue(named.endsWith(": " + image), named + " is not " + image));
    }

    @Test
    void sageMakerRunsTheImageOnCpuMultiModelOrGpuRealTimeAndInferenceComponents() throws IOException {
        String tag = BuildFacts.imageEnv().get("GANTRY_IMAGE_TAG");
        Map<String, String> instanceTypes = new java.util.TreeMap<>();
        for (Path file : files(".json")) {
            boolean gpu = DEPLOY.relativize(file).toString().startsWith("sagemaker/gpu");
            JsonNode json = JSON.readTree(file.toFile());
            for (JsonNode image : json.findValues("Image")) {
                assertTrue(image.asText().endsWith("/gantry:" + tag + (gpu ? "-gpu" : "")), file + ": " + image);
            }
            for (JsonNode mode : json.findValues("Mode")) {
                // SageMaker's GPU multi-model endpoints take AWS's Triton container only.
                assertEquals(gpu ? "SingleModel" : "MultiModel", mode.asText(), file.toString());
            }
            for (JsonNode url : json.findValues("ModelDataUrl")) {
                assertTrue(url.asText().startsWith("s3://") && (gpu || url.asText().endsWith("/")),
                        file + ": a multi-model endpoint's ModelDataUrl is an S3 prefix: " + url);
            }
            json.findValues("InstanceType").forEach(type -> instanceTypes.put(DEPLOY.relativize(file).toString(),
                    type.asText()));
        }
        assertEquals(Set.of("sagemaker/cpu-multi-model/create-endpoint-config.json",
                "sagemaker/gpu-real-time/create-endpoint-config.json",
                "sagemaker/gpu-inference-component/create-endpoint-config.json"), instanceTypes.keySet());
        instanceTypes.forEach((file, type) -> assertEquals(file.startsWith("sagemaker/gpu"),
                type.startsWith("ml.g") || type.startsWith("ml.p"), file + ": " + type));
    }

    @Test
    void theServingRuntimeSpeaksV2AndGrpcV2OnGantrysPortsWithModelsInMntModels() throws IOException {
        Map<String, Object> runtime = single("kserve/cluster-serving-runtime.yaml");
        assertEquals("ClusterServingRuntime", runtime.get("kind"));
        Map<String, Object> spec = map(runtime.get("spec"));
        assertEquals(List.of("v2", "grpc-v2"), spec.get("protocolVersions"));
        assertTrue(list(spec.get("supportedModelFormats")).stream().anyMatch(f -> "triton".equals(map(f).get("name"))));
        Map<String, Object> container = map(list(spec.get("containers")).get(0));
        Map<String, String> env = list(container.get("env")).stream().map(DeploymentManifestsTest::map)
                .collect(Collectors.toMap(e -> (String) e.get("name"), e -> String.valueOf(e.get("value"))));
        assertEquals("/mnt/models", env.get("GANTRY_MODEL_REPOSITORY"));
        int httpPort = BuildFacts.portDefault("GANTRY_HTTP_PORT");
        assertEquals(String.valueOf(httpPort), env.get("GANTRY_HTTP_PORT"));
        assertEquals(httpPort, map(list(container.get("ports")).get(0)).get("containerPort"));
        assertEquals(httpPort, map(map(container.get("readinessProbe")).get("httpGet")).get("port"));
        assertEquals(BuildFacts.imageEnv().get("GANTRY_IMAGE_GRPC_PORT"), env.get("GANTRY_GRPC_PORT"));
        assertEquals(String.valueOf(BuildFacts.portDefault("GANTRY_GRPC_PORT")), env.get("GANTRY_GRPC_PORT"),
                "the gRPC bundle's default port");
        assertEquals("serve", list(container.get("args")).get(0));
        assertEquals(String.valueOf(httpPort), map(spec.get("annotations")).get("prometheus.kserve.io/port"));

        Map<String, Object> grpc = map(map(map(single("kserve/inference-service-grpc.yaml").get("spec"))
                .get("predictor")).get("model"));
        Map<String, Object> h2c = map(list(grpc.get("ports")).get(0));
        assertEquals("h2c", h2c.get("name"));
        assertEquals(Integer.parseInt(env.get("GANTRY_GRPC_PORT")), h2c.get("containerPort"));
        assertEquals("grpc-v2", grpc.get("protocolVersion"));

        String serve = Files.readString(DISTRIBUTION.resolve("bin/serve"));
        for (String path : List.of("/mnt/models", "/opt/ml/model", "SAGEMAKER_BIND_TO_PORT",
                "SAGEMAKER_SAFE_PORT_RANGE")) {
            assertTrue(serve.contains(path), "the entrypoint handles " + path);
        }
    }

    @Test
    void everyPathTheDeploymentsProbeScrapeOrCheckIsAnEndpointOfTheApi() throws IOException {
        Set<String> endpoints = openApiPaths();
        endpoints.add("/metrics");
        Set<String> named = new TreeSet<>();
        for (Path file : files(".yaml")) {
            for (Object document : yamlDocuments(file)) {
                walk(document, (key, value) -> {
                    if ((key.equals("path") || key.equals("metrics_path") || key.equals("prometheus.kserve.io/path"))
                            && value instanceof String path && path.startsWith("/")) {
                        named.add(path);
                    }
                });
            }
        }
        Matcher check = Pattern.compile("option httpchk GET (\\S+)").matcher(
                Files.readString(DEPLOY.resolve("haproxy/haproxy.cfg")));
        assertTrue(check.find());
        named.add(check.group(1));
        assertEquals(Set.of("/metrics", "/v2/health/live", "/v2/health/ready"), named);
        assertTrue(endpoints.containsAll(named), named + " not all in " + endpoints);
    }

    @Test
    void routingHashesTheModelNameWithBoundedLoadToTheInferenceServicesReplicas() throws IOException {
        String proxy = Files.readString(DEPLOY.resolve("haproxy/haproxy.cfg"));
        for (String line : List.of("balance hdr(X-Gantry-Model)", "hash-type consistent", "hash-balance-factor 150",
                "%[path,field(4,/)] if { path_beg /v2/models/ }", "X-Amzn-SageMaker-Target-Model", "retry-on",
                "option httpchk GET /v2/health/ready")) {
            assertTrue(proxy.contains(line), "haproxy.cfg: " + line);
        }
        String isvc = (String) map(single("kserve/inference-service.yaml").get("metadata")).get("name");
        String deployment = isvc + "-predictor";
        List<Object> routing = yamlDocuments(DEPLOY.resolve("routing/istio-consistent-hash.yaml"));
        Map<String, Object> rule = map(routing.get(0));
        assertTrue(((String) map(rule.get("spec")).get("host")).startsWith(deployment + "."));
        assertEquals("x-gantry-model", map(map(map(map(rule.get("spec")).get("trafficPolicy")).get("loadBalancer"))
                .get("consistentHash")).get("httpHeaderName"));
        assertTrue(
                Files.readString(DEPLOY.resolve("routing/istio-consistent-hash.yaml")).contains("hash_balance_factor"));
        assertTrue(Files.readString(DEPLOY.resolve("routing/istio-model-header.yaml")).contains("x-gantry-model"));
        for (String scaler : List.of("autoscaling/keda-scaled-object.yaml", "autoscaling/hpa.yaml")) {
            assertEquals(deployment, map(map(single(scaler).get("spec")).get("scaleTargetRef")).get("name"), scaler);
        }
    }

    @Test
    void theAutoscalersReadGantrysFourSignalsRecordedFromMetricsItExports() throws IOException {
        String rules = Files.readString(DEPLOY.resolve("monitoring/recording-rules.yaml"));
        for (String metric : List.of("gantry_device_used_bytes", "gantry_device_budget_bytes",
                "gantry_model_evictions_total", "gantry_model_cold_starts_total", "gantry_requests_in_flight")) {
            assertTrue(rules.contains(metric), metric);
        }
        String keda = Files.readString(DEPLOY.resolve("autoscaling/keda-scaled-object.yaml"));
        String adapter = Files.readString(DEPLOY.resolve("autoscaling/prometheus-adapter-rules.yaml"));
        for (String signal : List.of("memory_pressure", "evictions_per_second", "cold_loads_per_second",
                "queue_depth")) {
            assertTrue(rules.contains("record: gantry:" + signal), signal);
            assertTrue(keda.contains("gantry:" + signal), "KEDA: " + signal);
            assertTrue(adapter.contains("gantry_" + signal), "prometheus-adapter: " + signal);
        }
    }

    @Test
    void theDeploymentGuideNamesEveryFileInDeployAndOnlyFilesThatExist() throws IOException {
        String guide = Files.readString(ROOT.resolve("docs/deployment.md"));
        Set<String> named = new TreeSet<>();
        Matcher matcher = Pattern.compile("deploy/[A-Za-z0-9_./-]*[A-Za-z0-9_]").matcher(guide);
        while (matcher.find()) {
            named.add(matcher.group());
        }
        for (String file : named) {
            assertTrue(Files.exists(ROOT.resolve(file)), "docs/deployment.md names " + file + ", which is not there");
        }
        try (Stream<Path> all = Files.walk(DEPLOY)) {
            Set<String> unnamed = all.filter(Files::isRegularFile).map(p -> ROOT.relativize(p).toString())
                    .filter(file -> !named.contains(file)).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(Set.of(), unnamed, "files in deploy/ the guide does not name");
        }
        assertFalse(guide.contains("http://") || guide.contains("https://"), "the guide links to nothing outside");
    }

    /** The paths of the REST API, from the OpenAPI document the build generates into the REST bundle. */
    private static Set<String> openApiPaths() throws IOException {
        Path bundle;
        try (Stream<Path> jars = Files.walk(DISTRIBUTION.resolve("system/org/gantry/org.gantry.rest"))) {
            bundle = jars.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        try (ZipFile jar = new ZipFile(bundle.toFile());
                InputStream openApi = jar.getInputStream(jar.getEntry("org/gantry/rest/internal/openapi.json"))) {
            Set<String> paths = new TreeSet<>();
            JSON.readTree(openApi).get("paths").fieldNames().forEachRemaining(paths::add);
            return paths;
        }
    }

    private static List<Path> files(String... extensions) throws IOException {
        try (Stream<Path> all = Files.walk(DEPLOY)) {
            return all.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(extensions).anyMatch(e -> p.toString().endsWith(e))).sorted().toList();
        }
    }

    private static List<Object> yamlDocuments(Path file) throws IOException {
        List<Object> documents = new ArrayList<>();
        new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file)).forEach(documents::add);
        return documents;
    }

    private static Map<String, Object> single(String file) throws IOException {
        List<Object> documents = yamlDocuments(DEPLOY.resolve(file));
        return map(documents.get(0));
    }

    /** Calls {@code visit} with every key and value of a parsed YAML tree. */
    private static void walk(Object node, BiConsumer<String, Object> visit) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> {
                visit.accept(String.valueOf(key), value);
                walk(value, visit);
            });
        } else if (node instanceof List<?> list) {
            list.forEach(item -> walk(item, visit));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        return (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object node) {
        return (List<Object>) node;
    }
}
