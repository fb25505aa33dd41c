package org.gantry.engine.tensorflow;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Registered once TensorFlow's native library is loaded in this JVM: a backend that references this service may
 * use TensorFlow Java's API (exported by the same bundle) right away.
 */
@ProviderType
public interface TensorFlowEngine {

    /** The native TensorFlow version, e.g. {@code 2.18.0}. */
    String version();
}
