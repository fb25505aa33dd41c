/**
 * Safe updates: the whiteboard the runtime calls around each inference ({@link ExchangeInterceptor}), and what the
 * parts built on it report (canary splits, shadow comparisons, data capture) and accept (promotion, rollback).
 */
@Export
@Version("1.1.0")
package org.gantry.api.traffic;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
