/**
 * KServe v2 (Open Inference Protocol) JSON forms of inference requests and responses, with Triton's binary tensor
 * extension and generate response shape: the one reading and writing the HTTP API and the console share, so both
 * accept and answer exactly the same JSON with the same messages.
 */
@Export
@Version("1.1.0")
package org.gantry.protocol.kserve;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
