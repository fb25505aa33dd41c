/** Inference requests and responses, independent of the wire protocol that carried them. */
@Export
@Version("1.0.0")
package org.gantry.api.inference;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
