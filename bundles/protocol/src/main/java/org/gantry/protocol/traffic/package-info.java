/**
 * Safe updates as the front ends write them: a model's canary split, its shadow's comparison and its capture counts,
 * in one JSON shape for the traffic endpoint ({@code /v2/models/{model}/traffic}) and the statistics
 * ({@code /v2/models/{model}/stats}).
 */
@Export
@Version("1.0.0")
package org.gantry.protocol.traffic;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
