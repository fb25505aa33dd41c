/**
 * The backend SPI: a backend is a {@link org.gantry.api.backend.Backend} OSGi service that loads model
 * versions into {@link org.gantry.api.backend.LoadedModel}s. Write a backend against this package alone and
 * drop its bundle into Karaf's {@code deploy/} folder.
 */
@Export
@Version("1.7.0")
package org.gantry.api.backend;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
