package org.gantry.engine.libtorch.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry libtorch engine",
        description = "TorchScript on libtorch's C++ API (CPU or CUDA), through Gantry's own JNI bridge.")
@interface LibTorchEngineConfig {

    @AttributeDefinition(name = "Native library",
            description = "Path of a libgantry_libtorch.so built against this machine's libtorch (for example one"
                    + " with CUDA). Empty: the library inside the bundle, built against Debian's libtorch-dev.")
    String nativeLibrary() default "";

    @AttributeDefinition(name = "Cache folder",
            description = "Where the bundled library is unpacked. Empty: <karaf.data>/gantry-libtorch, or"
                    + " <java.io.tmpdir>/gantry-libtorch-<user> outside Karaf.")
    String cacheDir() default "";
}
