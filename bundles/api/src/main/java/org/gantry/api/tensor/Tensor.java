package org.gantry.api.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.gantry.api.error.GantryException;

/**
 * A named, typed, shaped tensor whose elements live in one little-endian buffer, never boxed.
 * Elements of fixed-size types are packed row-major; {@link DataType#BYTES} elements are each a 4-byte
 * little-endian length followed by that many bytes (the layout of the binary tensor data extension).
 * Instances are immutable: {@link #data()} returns a read-only view.
 */
public final class Tensor {
    /** Largest buffer a single tensor may hold; Java buffers are indexed by int. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private final String name;
    private final DataType dataType;
    private final long[] shape;
    private final ByteBuffer data;

    private Tensor(String name, DataType dataType, long[] shape, ByteBuffer data) {
        this.name = name;
        this.dataType = dataType;
        this.shape = shape;
        this.data = data;
    }

    /**
     * Creates a tensor over {@code data} (from its position to its limit), checking that the bytes match
     * the shape and datatype.
     *
     * @throws GantryException INVALID_ARGUMENT if the shape is negative, too large, or does not fit the data
     */
    public static Tensor of(String name, DataType dataType, long[] shape, ByteBuffer data) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        long[] shapeCopy = shape.clone();
        long count = elementCount(name, shapeCopy);
        ByteBuffer view = data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
        if (dataType.isFixedSize()) {
            long expected = byteSize(name, dataType, shapeCopy);
            if (view.remaining() != expected) {
                throw GantryException.invalidArgument(
                        "tensor '%s': shape %s of %s needs %d bytes (%d elements) but %d bytes were given",
                        name, Arrays.toString(shapeCopy), dataType, expected, count, view.remaining());
            }
        } else {
            checkBytesElements(name, view, count);
        }
        return new Tensor(name, dataType, shapeCopy, view);
    }

    /** A tensor of {@link DataType#BYTES} from Java byte strings. */
    public static Tensor ofBytes(String name, long[] shape, List<byte[]> elements) {
        int total = 0;
        for (byte[] element : elements) {
            total = Math.addExact(total, Math.addExact(4, element.length));
        }
        ByteBuffer buffer = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] element : elements) {
            buffer.putInt(element.length).put(element);
        }
        return of(name, DataType.BYTES, shape, buffer.flip());
    }

    /**
     * Number of elements of {@code shape}.
     *
     * @throws GantryException INVALID_ARGUMENT for a negative dimension or a count that overflows
     */
    public static long elementCount(String tensorName, long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw GantryException.invalidArgument("tensor '%s': dimension %d in shape %s is negative",
                        tensorName, dim, Arrays.toString(shape));
            }
            try {
                count = Math.multiplyExact(count, dim);
            } catch (ArithmeticException e) {
                throw tooLarge(tensorName, shape);
            }
        }
        return count;
    }

    /** Bytes a fixed-size tensor of this shape needs, checked against {@link #MAX_BYTES}. */
    public static long byteSize(String tensorName, DataType dataType, long[] shape) {
        long count = elementCount(tensorName, shape);
        if (!dataType.isFixedSize()) {
            throw new IllegalArgumentException("BYTES tensors have no fixed byte size");
        }
        if (count > MAX_BYTES / dataType.byteSize()) {
            throw tooLarge(tensorName, shape);
        }
        return count * dataType.byteSize();
    }

    private static GantryException tooLarge(String tensorName, long[] shape) {
        return GantryException.invalidArgument("tensor '%s': shape %s is too large (a tensor holds at most %d bytes)",
                tensorName, Arrays.toString(shape), MAX_BYTES);
    }

    private static void checkBytesElements(String name, ByteBuffer view, long count) {
        ByteBuffer cursor = view.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i++) {
            if (cursor.remaining() < 4) {
                throw GantryException.invalidArgument("tensor '%s': BYTES data ends before element %d of %d",
                        name, i, count);
            }
            int length = cursor.getInt();
            if (length < 0 || length > cursor.remaining()) {
                throw GantryException.invalidArgument(
                        "tensor '%s': BYTES element %d claims %d bytes but only %d remain", name, i,
                        Integer.toUnsignedLong(length), cursor.remaining());
            }
            cursor.position(cursor.position() + length);
        }
        if (cursor.hasRemaining()) {
            throw GantryException.invalidArgument("tensor '%s': %d bytes left over after %d BYTES elements",
                    name, cursor.remaining(), count);
        }
    }

    public String name() {
        return name;
    }

    public DataType dataType() {
        return dataType;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int index) {
        return shape[index];
    }

    public long elementCount() {
        return elementCount(name, shape);
    }

    /** A read-only little-endian view of the data, positioned at its start. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Size of the data in bytes. */
    public int byteSize() {
        return data.remaining();
    }

    /** The same data under another name. */
    public Tensor withName(String newName) {
        return new Tensor(Objects.requireNonNull(newName), dataType, shape, data);
    }

    /** The same data under another shape with the same element count. */
    public Tensor reshape(long[] newShape) {
        long[] copy = newShape.clone();
        if (elementCount(name, copy) != elementCount()) {
            throw GantryException.invalidArgument("tensor '%s': cannot reshape %s to %s", name,
                    Arrays.toString(shape), Arrays.toString(copy));
        }
        return new Tensor(name, dataType, copy, data);
    }

    /** The elements of a BYTES tensor, each as a read-only buffer over this tensor's data (no copy). */
    public List<ByteBuffer> bytesElements() {
        if (dataType != DataType.BYTES) {
            throw new IllegalStateException("tensor '" + name + "' is " + dataType + ", not BYTES");
        }
        ByteBuffer cursor = data();
        List<ByteBuffer> elements = new ArrayList<>();
        while (cursor.hasRemaining()) {
            int length = cursor.getInt();
            ByteBuffer element = cursor.slice();
            element.limit(length);
            elements.add(element);
            cursor.position(cursor.position() + length);
        }
        return elements;
    }

    /** The elements of a BYTES tensor decoded as UTF-8 (for text models and tests). */
    public List<String> bytesElementsAsStrings() {
        List<String> strings = new ArrayList<>();
        for (ByteBuffer element : bytesElements()) {
            strings.add(StandardCharsets.UTF_8.decode(element).toString());
        }
        return strings;
    }

    @Override
    public String toString() {
        return "Tensor[" + name + ", " + dataType + ", " + Arrays.toString(shape) + ", " + data.remaining() + " bytes]";
    }
}
