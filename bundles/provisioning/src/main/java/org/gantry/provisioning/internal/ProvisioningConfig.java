package org.gantry.provisioning.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry backend provisioning",
        description = "Backends that ship with Gantry as Karaf features but are not started: which feature provides"
                + " which backend or platform, and whether it is installed when a model first needs it.")
@interface ProvisioningConfig {

    @AttributeDefinition(name = "Install on demand",
            description = "Install the feature that provides a model's backend the first time such a model is asked"
                    + " for. Off: requests for it get 503 naming the feature:install command to run by hand.")
    boolean installOnDemand() default true;

    @AttributeDefinition(name = "Features",
            description = "Which Karaf feature provides which backend name or platform, as comma-separated"
                    + " backendOrPlatform=feature entries.")
    String features() default "tensorflow_savedmodel=gantry-backend-tensorflow, tensorflow=gantry-backend-tensorflow";
}
