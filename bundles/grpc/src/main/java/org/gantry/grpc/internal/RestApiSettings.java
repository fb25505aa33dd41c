package org.gantry.grpc.internal;

/**
 * The settings gRPC shares with the HTTP API, read from the REST API's configuration (PID {@code org.gantry.rest})
 * so that an operator who protects or limits one protocol has protected or limited both: tokens, management
 * from loopback, the tensor element limit and the deadline for a request to arrive. Names follow the REST
 * bundle's configuration; a leading underscore makes a private property ({@code .adminToken}).
 */
@interface RestApiSettings {

    /** The REST API's configuration PID. */
    String PID = "org.gantry.rest";

    String _adminToken() default "";

    String _inferenceToken() default "";

    boolean remoteManagementWithoutToken() default false;

    long maxTensorElements() default 64L * 1024 * 1024;

    int bodyReadDeadlineSeconds() default 60;
}
