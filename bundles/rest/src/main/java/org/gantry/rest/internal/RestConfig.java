package org.gantry.rest.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry REST API",
        description = "Limits and access control of the inference API (KServe v2, Triton extensions, SageMaker).")
@interface RestConfig {

    /** The PID every REST component reads. */
    String PID = "org.gantry.rest";

    @AttributeDefinition(name = "Request body limit (bytes)",
            description = "Larger request bodies are refused with 413.", min = "1024")
    long maxRequestBytes() default 64L * 1024 * 1024;

    @AttributeDefinition(name = "Request body deadline (seconds)", min = "1",
            description = "A request body that has not fully arrived this long after its headers gets 408.")
    int bodyReadDeadlineSeconds() default 60;

    @AttributeDefinition(name = "Minimum request body rate (bytes per second)", min = "0",
            description = "After the grace period, a body arriving slower than this on average gets 408: a client"
                    + " trickling its body cannot hold the server's resources for long.")
    long minRequestBytesPerSecond() default 16 * 1024;

    @AttributeDefinition(name = "Grace period of the minimum rate (seconds)", min = "0",
            description = "How long a body may arrive at any rate before the minimum rate applies.")
    int bodyRateGraceSeconds() default 5;

    @AttributeDefinition(name = "Tensor element limit",
            description = "Input tensors with more elements are refused with 400.", min = "1")
    long maxTensorElements() default 64L * 1024 * 1024;

    @AttributeDefinition(name = "Administrator token", type = AttributeType.PASSWORD,
            description = "Bearer token required by management endpoints (repository load/unload, SageMaker model"
                    + " management, pinning). Empty: no token needed. The environment variable GANTRY_ADMIN_TOKEN"
                    + " takes precedence.")
    String _adminToken() default ""; // ".adminToken": a private property, never copied into service properties

    @AttributeDefinition(name = "Inference token", type = AttributeType.PASSWORD,
            description = "Bearer token required by inference and model information endpoints (the administrator"
                    + " token is accepted too). Empty: no token needed. The environment variable"
                    + " GANTRY_INFERENCE_TOKEN takes precedence.")
    String _inferenceToken() default ""; // ".inferenceToken", private as well

    @AttributeDefinition(name = "Management from any address without a token",
            description = "Without an administrator token, management endpoints accept requests from the loopback"
                    + " interface only. Set this to accept them from every address, as a SageMaker multi-model"
                    + " container must (its agent calls /models from outside the container); the image's serve"
                    + " entrypoint sets it. Ignored when an administrator token is set: the token is then needed.")
    boolean remoteManagementWithoutToken() default false;

    @AttributeDefinition(name = "Inference through the lean servlet path",
            description = "KServe's infer endpoints are served by a filter in front of JAX-RS: same URLs, errors"
                    + " and guards, without JAX-RS's dispatch. Off: they go through JAX-RS like every other endpoint"
                    + " (the benchmark's baseline).")
    boolean leanInference() default true;
}
