/** The TensorFlow engine's service: proof that TensorFlow's native library is loaded. */
@Export
@Version("1.0.0")
package org.gantry.engine.tensorflow;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
