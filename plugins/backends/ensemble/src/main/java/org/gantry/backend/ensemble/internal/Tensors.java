package org.gantry.backend.ensemble.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.gantry.api.tensor.DataType;

/** What the built-in processors share beyond their {@link Port}s: allocating outputs. */
final class Tensors {

    private Tensors() {
    }

    static ByteBuffer allocate(long elements, DataType type) {
        return ByteBuffer.allocate(Math.toIntExact(elements * type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }
}
