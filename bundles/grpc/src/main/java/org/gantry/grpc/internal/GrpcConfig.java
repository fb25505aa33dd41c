package org.gantry.grpc.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/grpc-config", pid = GrpcConfig.PID, name = "%name",
        description = "%description")
@interface GrpcConfig {

    String PID = "org.gantry.grpc";

    @AttributeDefinition(name = "%host.name", description = "%host.description")
    String host() default "0.0.0.0";

    @AttributeDefinition(name = "%port.name", min = "0", max = "65535", description = "%port.description")
    int port() default 8001;

    @AttributeDefinition(name = "%maxMessageBytes.name", min = "1024", description = "%maxMessageBytes.description")
    int maxMessageBytes() default 64 * 1024 * 1024;

    @AttributeDefinition(name = "%maxCallsPerConnection.name", min = "1",
            description = "%maxCallsPerConnection.description")
    int maxCallsPerConnection() default 128;

    @AttributeDefinition(name = "%threads.name", min = "1", description = "%threads.description")
    int threads() default 200;
}
