/** Tensors and their element types, as the KServe v2 / Open Inference Protocol defines them. */
@Export
@Version("1.0.0")
package org.gantry.api.tensor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
