/** The server as front ends (REST, shell, metrics) use it: inference, metadata, readiness, load and unload, drain. */
@Export
@Version("1.4.0")
package org.gantry.api.server;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
