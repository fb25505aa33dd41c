/**
 * The memory contract: devices, budgets and leases. Backends never see the manager; the runtime holds a lease for
 * every model version it loads and lets the manager evict idle models to make room, and gives backends working
 * memory through their load context ({@link org.gantry.api.backend.WorkingMemory}), backed by leases.
 */
@Export
@Version("1.2.0")
package org.gantry.api.memory;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
