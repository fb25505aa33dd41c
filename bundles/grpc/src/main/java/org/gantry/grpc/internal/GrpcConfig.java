package org.gantry.grpc.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(pid = GrpcConfig.PID, name = "Gantry gRPC listener",
        description = "The gRPC port of the inference API (KServe v2 GRPCInferenceService with Triton's extensions)."
                + " Tokens, the tensor element limit and the deadline for a request to arrive are the REST API's"
                + " (org.gantry.rest), so both protocols guard and limit the same way.")
@interface GrpcConfig {

    String PID = "org.gantry.grpc";

    @AttributeDefinition(name = "Host", description = "The interface to listen on: 0.0.0.0 for every interface,"
            + " 127.0.0.1 for this machine only.")
    String host() default "0.0.0.0";

    @AttributeDefinition(name = "Port", min = "0", max = "65535",
            description = "8001 by default, as Triton and KServe expect; 0 picks a free port.")
    int port() default 8001;

    @AttributeDefinition(name = "Message limit (bytes)", min = "1024",
            description = "Larger request messages are refused with RESOURCE_EXHAUSTED. grpc-java's own default,"
                    + " 4 MiB, is too small for image and embedding batches; 64 MiB matches the HTTP body limit.")
    int maxMessageBytes() default 64 * 1024 * 1024;

    @AttributeDefinition(name = "Calls per connection", min = "1",
            description = "Calls one connection may have open at once (HTTP/2's concurrent streams); more wait for"
                    + " one to end. grpc-java sets no bound of its own.")
    int maxCallsPerConnection() default 128;

    @AttributeDefinition(name = "Threads", min = "1",
            description = "Calls run at once (each blocks a thread while its model runs); more wait their turn.")
    int threads() default 200;
}
