/** KServe v2 JSON encoding of inference requests and responses, shared with non-HTTP front ends. */
@Export
@Version("1.0.0")
package org.gantry.rest.json;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
