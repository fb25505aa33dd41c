/** The tokenizers engine service: DJL's HuggingFace tokenizers with their native library loaded once. */
@Export
@Version("1.0.0")
package org.gantry.engine.tokenizers;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
