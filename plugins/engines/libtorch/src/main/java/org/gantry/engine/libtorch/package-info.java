/**
 * A TorchScript engine over libtorch's C++ API, on the CPU or CUDA GPUs: {@link org.gantry.engine.libtorch.LibTorchEngine}
 * is registered as a service by the {@code org.gantry.engine.libtorch} bundle, which owns the native library and
 * is never updated with the backends that use it.
 */
@Export
@Version("1.1.0")
package org.gantry.engine.libtorch;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
