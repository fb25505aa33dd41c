package org.gantry.engine.pytorch.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry PyTorch engine",
        description = "DJL's PyTorch engine on the CPU, offline, with natives from the bundle.")
@interface PyTorchEngineConfig {

    @AttributeDefinition(name = "Cache folder",
            description = "Where DJL unpacks PyTorch's native library (about 450 MB). Empty: <karaf.data>/djl, or"
                    + " <java.io.tmpdir>/gantry-djl outside Karaf. The distribution's file sets it from the environment"
                    + " variable DJL_CACHE_DIR when that is set.")
    String cacheDir() default "";
}
