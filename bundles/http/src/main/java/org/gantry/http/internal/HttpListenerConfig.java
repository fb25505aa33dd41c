package org.gantry.http.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry HTTP listener",
        description = "The public HTTP port of the inference, management and metrics API.")
@interface HttpListenerConfig {

    String PID = "org.gantry.http";

    @AttributeDefinition(name = "Host", description = "The interface to listen on: 0.0.0.0 for every interface"
            + " (a container's port must be reachable from outside it), 127.0.0.1 for this machine only.")
    String host() default "0.0.0.0";

    @AttributeDefinition(name = "Port", min = "0", max = "65535")
    int port() default 8080;

    @AttributeDefinition(name = "Idle timeout (seconds)", min = "1",
            description = "A connection that sends and receives nothing for this long is closed.")
    int idleTimeoutSeconds() default 30;

    @AttributeDefinition(name = "Request header limit (bytes)", min = "1024",
            description = "The request line and headers together; larger ones are refused with 431 (414 for a"
                    + " request line alone over it).")
    int maxRequestHeaderBytes() default 16 * 1024;
}
