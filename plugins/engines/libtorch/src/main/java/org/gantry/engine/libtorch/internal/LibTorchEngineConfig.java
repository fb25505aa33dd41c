package org.gantry.engine.libtorch.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/libtorch-engine-config", name = "%name",
        description = "%description")
@interface LibTorchEngineConfig {

    @AttributeDefinition(name = "%nativeLibrary.name", description = "%nativeLibrary.description")
    String nativeLibrary() default "";

    @AttributeDefinition(name = "%cacheDir.name", description = "%cacheDir.description")
    String cacheDir() default "";
}
