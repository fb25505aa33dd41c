package org.gantry.runtime.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry drain",
        description = "Graceful drain on SIGTERM, gantry:drain or POST /v2/drain: readiness turns 503, new requests"
                + " get 503, requests in flight finish, then the server stops.")
@interface DrainConfig {

    @AttributeDefinition(name = "Drain timeout (s)",
            description = "How long a drain waits for requests in flight before the server stops regardless. Keep it"
                    + " below the platform's grace period between SIGTERM and SIGKILL (30 s on Kubernetes by default"
                    + " and on SageMaker), less the few seconds the server takes to stop.",
            min = "0")
    int timeoutSeconds() default 20;
}
