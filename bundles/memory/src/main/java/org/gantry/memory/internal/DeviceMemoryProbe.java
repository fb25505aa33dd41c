package org.gantry.memory.internal;

import java.util.OptionalLong;

import org.gantry.api.backend.Device;

/** Reads how much of a device's memory is in use now, by every process together, as the driver counts it. */
@FunctionalInterface
interface DeviceMemoryProbe {

    /** Reads nothing: no device is measured. */
    DeviceMemoryProbe NONE = device -> OptionalLong.empty();

    /** The bytes in use on the device, or empty where this probe cannot read it. */
    OptionalLong usedBytes(Device device);
}
