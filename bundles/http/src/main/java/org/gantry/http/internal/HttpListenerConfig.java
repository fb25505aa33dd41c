package org.gantry.http.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/http-listener-config", name = "%name",
        description = "%description")
@interface HttpListenerConfig {

    String PID = "org.gantry.http";

    @AttributeDefinition(name = "%host.name", description = "%host.description")
    String host() default "0.0.0.0";

    @AttributeDefinition(name = "%port.name", min = "0", max = "65535")
    int port() default 8080;

    @AttributeDefinition(name = "%idleTimeoutSeconds.name", min = "1", description = "%idleTimeoutSeconds.description")
    int idleTimeoutSeconds() default 30;

    @AttributeDefinition(name = "%maxRequestHeaderBytes.name", min = "1024",
            description = "%maxRequestHeaderBytes.description")
    int maxRequestHeaderBytes() default 16 * 1024;
}
