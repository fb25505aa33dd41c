package org.gantry.runtime.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/drain-config", name = "%name", description = "%description")
@interface DrainConfig {

    @AttributeDefinition(name = "%timeoutSeconds.name", description = "%timeoutSeconds.description", min = "0")
    int timeoutSeconds() default 20;
}
