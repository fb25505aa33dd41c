package org.gantry.provisioning.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/provisioning-config", name = "%name", description = "%description")
@interface ProvisioningConfig {

    @AttributeDefinition(name = "%installOnDemand.name", description = "%installOnDemand.description")
    boolean installOnDemand() default true;

    @AttributeDefinition(name = "%features.name", description = "%features.description")
    String features() default "tensorflow_savedmodel=gantry-backend-tensorflow, tensorflow=gantry-backend-tensorflow";
}
