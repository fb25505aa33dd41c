package org.gantry.engine.libtorch;

/**
 * One GPU's memory.
 *
 * @param freeBytes      free on the device, as the driver reports it ({@code cudaMemGetInfo})
 * @param totalBytes     the device's capacity
 * @param reservedBytes  held by libtorch's CUDA caching allocator (in use or cached)
 * @param allocatedBytes in use by tensors
 */
public record DeviceMemory(long freeBytes, long totalBytes, long reservedBytes, long allocatedBytes) {
}
