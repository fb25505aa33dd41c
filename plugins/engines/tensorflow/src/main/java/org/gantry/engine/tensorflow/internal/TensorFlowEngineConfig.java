package org.gantry.engine.tensorflow.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry TensorFlow engine",
        description = "TensorFlow Java on the CPU, with TensorFlow's native library from the bundle.")
@interface TensorFlowEngineConfig {

    @AttributeDefinition(name = "Cache folder",
            description = "Where JavaCPP unpacks TensorFlow's native library (about 650 MB). Empty: <karaf.data>/javacpp,"
                    + " or <java.io.tmpdir>/gantry-javacpp outside Karaf. The system property"
                    + " org.bytedeco.javacpp.cachedir wins when set.")
    String cacheDir() default "";
}
