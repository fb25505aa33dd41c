package org.gantry.engine.tensorflow.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/tensorflow-engine-config", name = "%name",
        description = "%description")
@interface TensorFlowEngineConfig {

    @AttributeDefinition(name = "%cacheDir.name", description = "%cacheDir.description")
    String cacheDir() default "";
}
