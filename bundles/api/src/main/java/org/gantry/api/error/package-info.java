/** Typed errors shared by every Gantry bundle and backend. */
@Export
@Version("1.2.0")
package org.gantry.api.error;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
