package org.gantry.engine.pytorch.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/pytorch-engine-config", name = "%name",
        description = "%description")
@interface PyTorchEngineConfig {

    @AttributeDefinition(name = "%cacheDir.name", description = "%cacheDir.description")
    String cacheDir() default "";
}
