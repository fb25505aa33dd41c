/** The model repository contract: where models, their configuration and versions are found. */
@Export
@Version("1.1.0")
package org.gantry.api.repository;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
