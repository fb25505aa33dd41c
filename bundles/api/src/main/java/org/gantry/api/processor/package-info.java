/**
 * Processors: ensemble steps that are Java functions rather than models (tokenizers, pooling, normalisation).
 * A processor is a {@link org.gantry.api.processor.Processor} OSGi service (whiteboard); a model folder whose
 * configuration names it as its {@code backend} runs it, with the configuration's {@code parameters} and the
 * folder's files. Write a processor against this package alone and drop its bundle into Karaf's {@code deploy/}.
 */
@Export
@Version("1.0.0")
package org.gantry.api.processor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
