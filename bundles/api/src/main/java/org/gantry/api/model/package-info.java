/** Model configuration, as Triton's {@code config.pbtxt} defines it, independent of its file format. */
@Export
@Version("1.3.0")
package org.gantry.api.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
