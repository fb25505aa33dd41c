/**
 * Who may call what, for every front end: which token an operation needs, and why a call is refused. The HTTP API
 * and gRPC make the same decision here and only say it in their own terms (401/403, UNAUTHENTICATED/
 * PERMISSION_DENIED), so a server protected on one protocol is protected on both.
 */
@Export
@Version("1.2.0")
package org.gantry.protocol.access;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
