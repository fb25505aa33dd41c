package org.gantry.loadgen;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.gantry.grpc.proto.GrpcService.InferStatistics;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.gantry.grpc.proto.GrpcService.ModelMetadataRequest;
import org.gantry.grpc.proto.GrpcService.ModelMetadataResponse;
import org.gantry.grpc.proto.GrpcService.ModelStatisticsRequest;
import org.gantry.grpc.proto.GrpcService.ServerLiveRequest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

/**
 * Unary inference over gRPC ({@code ModelInfer} with {@code raw_input_contents}) against HTTP with binary tensors
 * (Triton's binary tensor extension, binary outputs), on the same model with the same input bytes, in one run. The
 * two alternate in rounds, each round in the other order, so that drift in the machine's load falls on both alike.
 * Each protocol's no-work call (gRPC {@code ServerLive}, {@code GET /v2/health/live}) runs too, as its floor. The
 * server's own time per request comes from the model's statistics, so overhead = client p50 − server time.
 * gRPC clients share one channel (one HTTP/2 connection), as gRPC clients do; HTTP clients a connection each.
 *
 * <pre>
 * java org.gantry.loadgen.GrpcBenchmark --url http://127.0.0.1:8080 --grpc 127.0.0.1:8001 \
 *     [--model simple_linear] [--seconds 5] [--rounds 3] [--warmup-seconds 3] [--concurrency 1,16] [--token T]
 *     [--json-out results.json]
 * </pre>
 */
public final class GrpcBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final String model;
    private final String token;
    private final CloseableHttpClient http;
    private final ManagedChannel channel;
    private final GRPCInferenceServiceBlockingStub grpc;
    private final ModelInferRequest grpcRequest;
    private final byte[] httpBody;
    private final int httpHeaderLength;

    /** One scenario summed over its rounds. */
    private static final class Totals {
        final String protocol;
        final String call;
        final int clients;
        ClosedLoop.Measurement measured;
        long served;
        long serverNanos;

        Totals(String protocol, String call, int clients) {
            this.protocol = protocol;
            this.call = call;
            this.clients = clients;
        }

        double serverMicros() {
            return served == 0 ? 0 : serverNanos / 1000.0 / served;
        }
    }

    private GrpcBenchmark(String url, String grpcTarget, String model, String token, int maxClients) {
        this.url = url;
        this.model = model;
        this.token = token;
        this.http = LoadGenerator.httpClient(maxClients);
        String[] hostPort = grpcTarget.split(":");
        this.channel = NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1])).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        if (token != null) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        this.grpc = stub;
        ModelMetadataResponse metadata = grpc.modelMetadata(ModelMetadataRequest.newBuilder().setName(model).build());
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model);
        ObjectNode header = JSON.createObjectNode();
        header.putObject("parameters").put("binary_data_output", true);
        ArrayNode inputs = header.putArray("inputs");
        ByteBuffer all = ByteBuffer.allocate(1 << 24).order(ByteOrder.LITTLE_ENDIAN);
        for (ModelMetadataResponse.TensorMetadata input : metadata.getInputsList()) {
            ModelInferRequest.InferInputTensor.Builder tensor = request.addInputsBuilder().setName(input.getName())
                    .setDatatype(input.getDatatype());
            ObjectNode json = inputs.addObject().put("name", input.getName()).put("datatype", input.getDatatype());
            ArrayNode shape = json.putArray("shape");
            long elements = 1;
            for (long dim : input.getShapeList()) {
                long size = dim < 0 ? 1 : dim;
                tensor.addShape(size);
                shape.add(size);
                elements *= size;
            }
            ByteBuffer data = ByteBuffer.allocate((int) elements * width(input.getDatatype()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < elements; i++) {
                switch (input.getDatatype()) {
                    case "FP32" -> data.putFloat(0.5f + i);
                    case "INT64" -> data.putLong(1 + i);
                    default -> data.putInt((int) (1 + i));
                }
            }
            json.putObject("parameters").put("binary_data_size", data.capacity());
            request.addRawInputContents(ByteString.copyFrom(data.flip()));
            all.put(data.rewind());
        }
        this.grpcRequest = request.build();
        byte[] headerBytes = toBytes(header);
        this.httpHeaderLength = headerBytes.length;
        this.httpBody = new byte[headerBytes.length + all.position()];
        System.arraycopy(headerBytes, 0, httpBody, 0, headerBytes.length);
        all.flip().get(httpBody, headerBytes.length, all.remaining());
    }

    private static int width(String datatype) {
        return switch (datatype) {
            case "FP32", "INT32" -> 4;
            case "INT64" -> 8;
            default -> throw new IllegalArgumentException("no generator for datatype " + datatype);
        };
    }

    private static byte[] toBytes(ObjectNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = LoadGenerator.parse(args);
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "5"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup-seconds", "3"));
        int[] concurrencies = Arrays.stream(options.getOrDefault("concurrency", "1,16").split(","))
                .mapToInt(Integer::parseInt).toArray();
        GrpcBenchmark benchmark = new GrpcBenchmark(options.getOrDefault("url", "http://127.0.0.1:8080"),
                options.getOrDefault("grpc", "127.0.0.1:8001"), options.getOrDefault("model", "simple_linear"),
                options.get("token"), Arrays.stream(concurrencies).max().orElse(1));
        benchmark.checkBothAnswerTheSame();
        List<Totals> totals = benchmark.run(rounds, seconds, warmup, concurrencies);
        System.out.println(table(benchmark, rounds, seconds, totals));
        if (options.containsKey("json-out")) {
            Files.writeString(Path.of(options.get("json-out")), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(totals.stream().map(GrpcBenchmark::json).toList()));
        }
        benchmark.close();
    }

    /** The comparison is fair only if both protocols carry the same bytes: HTTP's binary outputs equal gRPC's. */
    private void checkBothAnswerTheSame() throws Exception {
        ModelInferResponse grpcAnswer = grpc.modelInfer(grpcRequest);
        byte[] httpAnswer = http.execute(httpInfer(), response -> {
            byte[] body = EntityUtils.toByteArray(response.getEntity());
            if (response.getCode() != 200) {
                throw new IllegalStateException("HTTP answered " + response.getCode() + ": " + new String(body,
                        java.nio.charset.StandardCharsets.UTF_8));
            }
            int headerLength = Integer.parseInt(response.getHeader("Inference-Header-Content-Length").getValue());
            return Arrays.copyOfRange(body, headerLength, body.length);
        });
        ByteString grpcOutputs = ByteString.copyFrom(grpcAnswer.getRawOutputContentsList());
        if (!grpcOutputs.equals(ByteString.copyFrom(httpAnswer))) {
            throw new IllegalStateException("gRPC and HTTP answered different output bytes");
        }
    }

    private List<Totals> run(int rounds, int seconds, int warmup, int[] concurrencies) throws Exception {
        Map<String, Totals> totals = new LinkedHashMap<>();
        ClosedLoop.run(1, warmup, this::grpcInfer); // loads the model and warms the JIT on both sides
        ClosedLoop.run(1, warmup, this::httpInferOk);
        ClosedLoop.run(1, warmup, this::grpcLive);
        ClosedLoop.run(1, warmup, this::httpLiveOk);
        for (int round = 0; round < rounds; round++) {
            boolean grpcFirst = round % 2 == 1;
            for (String protocol : grpcFirst ? List.of("gRPC", "HTTP") : List.of("HTTP", "gRPC")) {
                boolean isGrpc = protocol.equals("gRPC");
                measure(totals, protocol, isGrpc ? "ServerLive" : "GET /v2/health/live", 1, seconds,
                        isGrpc ? this::grpcLive : this::httpLiveOk, false);
                for (int clients : concurrencies) {
                    measure(totals, protocol, isGrpc ? "ModelInfer raw" : "infer binary", clients, seconds,
                            isGrpc ? this::grpcInfer : this::httpInferOk, true);
                }
            }
        }
        return new ArrayList<>(totals.values());
    }

    private void measure(Map<String, Totals> totals, String protocol, String call, int clients, int seconds,
            ClosedLoop.Call request, boolean infer) throws InterruptedException {
        InferStatistics before = infer ? statistics() : null;
        ClosedLoop.Measurement measured = ClosedLoop.run(clients, seconds, request);
        Totals sum = totals.computeIfAbsent(protocol + "|" + call + "|" + clients,
                key -> new Totals(protocol, call, clients));
        sum.measured = sum.measured == null ? measured : sum.measured.plus(measured);
        if (infer) {
            InferStatistics after = statistics();
            sum.served += after.getSuccess().getCount() - before.getSuccess().getCount();
            sum.serverNanos += serverNanos(after) - serverNanos(before);
        }
    }

    /** Queue and compute time, as LoadGenerator counts the server's own time. */
    private static long serverNanos(InferStatistics stats) {
        return stats.getQueue().getNs() + stats.getComputeInput().getNs() + stats.getComputeInfer().getNs()
                + stats.getComputeOutput().getNs();
    }

    private InferStatistics statistics() {
        return grpc.modelStatistics(ModelStatisticsRequest.newBuilder().setName(model).build()).getModelStats(0)
                .getInferenceStats();
    }

    private boolean grpcInfer() {
        return grpc.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(grpcRequest).getRawOutputContentsCount() > 0;
    }

    private boolean grpcLive() {
        return grpc.withDeadlineAfter(60, TimeUnit.SECONDS).serverLive(ServerLiveRequest.getDefaultInstance())
                .getLive();
    }

    private HttpPost httpInfer() {
        HttpPost post = new HttpPost(url + "/v2/models/" + model + "/infer");
        post.setHeader("Inference-Header-Content-Length", Integer.toString(httpHeaderLength));
        if (token != null) {
            post.setHeader("Authorization", "Bearer " + token);
        }
        post.setEntity(new ByteArrayEntity(httpBody, ContentType.APPLICATION_OCTET_STREAM));
        return post;
    }

    private boolean httpInferOk() throws java.io.IOException {
        return http.execute(httpInfer(), response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode() == 200;
        });
    }

    private boolean httpLiveOk() throws java.io.IOException {
        return http.execute(new HttpGet(url + "/v2/health/live"), response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode() == 200;
        });
    }

    private void close() throws Exception {
        http.close();
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private static String table(GrpcBenchmark benchmark, int rounds, int seconds, List<Totals> totals) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s, %d input bytes per request; %d rounds of %d s per scenario,"
                + " alternating; closed-loop clients over loopback%n%n", benchmark.model,
                benchmark.httpBody.length - benchmark.httpHeaderLength, rounds, seconds));
        out.append("| protocol | call | clients | requests/s | p50 µs | p90 µs | p99 µs | server µs (mean)"
                + " | overhead µs (p50 − server) | errors |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Totals t : totals) {
            ClosedLoop.Measurement m = t.measured;
            out.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %s | %s | %d |%n",
                    t.protocol, t.call, t.clients, m.perSecond(), m.percentile(50), m.percentile(90),
                    m.percentile(99), t.served == 0 ? "" : String.format(Locale.ROOT, "%.0f", t.serverMicros()),
                    t.served == 0 ? "" : String.format(Locale.ROOT, "%.0f", m.percentile(50) - t.serverMicros()),
                    m.errors()));
        }
        return out.toString();
    }

    private static Map<String, Object> json(Totals t) {
        ClosedLoop.Measurement m = t.measured;
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("protocol", t.protocol);
        json.put("call", t.call);
        json.put("clients", t.clients);
        json.put("requests", m.requests());
        json.put("errors", m.errors());
        json.put("seconds", m.seconds());
        json.put("requests_per_second", m.perSecond());
        json.put("p50_us", m.percentile(50));
        json.put("p90_us", m.percentile(90));
        json.put("p99_us", m.percentile(99));
        if (t.served > 0) {
            json.put("server_mean_us", t.serverMicros());
            json.put("overhead_p50_us", m.percentile(50) - t.serverMicros());
        }
        return json;
    }
}
