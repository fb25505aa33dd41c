package org.gantry.engine.libtorch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor as raw bytes: elements packed row-major, little-endian, from the buffer's position to its limit.
 * Any buffer will do; a direct one is read in place, a heap one is copied once. Outputs come back in heap buffers.
 */
public final class NativeTensor {

    private final NativeDataType type;
    private final long[] shape;
    private final ByteBuffer data;

    private NativeTensor(NativeDataType type, long[] shape, ByteBuffer data) {
        this.type = type;
        this.shape = shape;
        this.data = data;
    }

    /**
     * @throws IllegalArgumentException when the bytes do not match shape and type
     */
    public static NativeTensor of(NativeDataType type, long[] shape, ByteBuffer data) {
        Objects.requireNonNull(type, "type");
        long[] copy = shape.clone();
        long elements = 1;
        for (long dim : copy) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(copy));
            }
            elements = Math.multiplyExact(elements, dim);
        }
        ByteBuffer view = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (Math.multiplyExact(elements, type.byteSize()) != view.remaining()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(copy) + " of " + type + " needs "
                    + elements * type.byteSize() + " bytes but " + view.remaining() + " were given");
        }
        return new NativeTensor(type, copy, view);
    }

    public NativeDataType type() {
        return type;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** The elements, little-endian, positioned at the start. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String toString() {
        return "NativeTensor[" + type + ", " + Arrays.toString(shape) + "]";
    }
}
