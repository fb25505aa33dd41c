package org.gantry.api.memory;

/**
 * Where a reload of an evicted model came from: the host tier (its weights copied back from host memory) or disk
 * (a load from its files, as the first one).
 *
 * @since 1.2
 */
public enum Residence {
    HOST_TIER,
    DISK
}
