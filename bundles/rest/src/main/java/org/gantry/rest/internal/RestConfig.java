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
}
