package org.gantry.protocol.kserve;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.gantry.api.error.GantryException;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * Appends an input's JSON scalars to a growing little-endian buffer, checking each against the datatype and the
 * count against the shape.
 */
final class DataWriter {

    /** The largest double that still rounds to a finite FP16 (65504, the largest half, plus half its last step). */
    private static final double HALF_MAX = 65520 - Math.ulp(65520.0);
    /** The largest float that still rounds to a finite BF16 (round to nearest even takes 0x7f7f8000 to infinity). */
    private static final double BF16_MAX = Float.intBitsToFloat(0x7f7f7fff);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** Buffers start small and grow with the data actually sent, so an absurd shape costs no memory. */
    private static final int INITIAL_BUFFER = 4096;

    private final String name;
    private final DataType dataType;
    private final long[] shape;
    private final long expected;
    private final long maxBytes;
    private ByteBuffer buffer;
    private long count;

    DataWriter(String name, DataType dataType, long[] shape) {
        this.name = name;
        this.dataType = dataType;
        this.shape = shape;
        this.expected = Tensor.elementCount(name, shape);
        this.maxBytes = dataType.isFixedSize() ? Tensor.byteSize(name, dataType, shape) : Tensor.MAX_BYTES;
        this.buffer = ByteBuffer.allocate((int) Math.min(maxBytes, INITIAL_BUFFER)).order(ByteOrder.LITTLE_ENDIAN);
    }

    void write(JsonParser parser) throws IOException {
        if (count == expected) {
            throw GantryException.invalidArgument("input '%s' has more data elements than its shape allows (%d)",
                    name, expected);
        }
        JsonToken token = parser.currentToken();
        switch (dataType) {
            case BOOL -> {
                if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                    throw badElement(parser);
                }
                room(1).put((byte) (token == JsonToken.VALUE_TRUE ? 1 : 0));
            }
            case INT8 -> room(1).put((byte) integer(parser, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case UINT8 -> room(1).put((byte) integer(parser, 0, 0xff));
            case INT16 -> room(2).putShort((short) integer(parser, Short.MIN_VALUE, Short.MAX_VALUE));
            case UINT16 -> room(2).putShort((short) integer(parser, 0, 0xffff));
            case INT32 -> room(4).putInt((int) integer(parser, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case UINT32 -> room(4).putInt((int) integer(parser, 0, 0xffffffffL));
            case INT64 -> room(8).putLong(integer(parser, Long.MIN_VALUE, Long.MAX_VALUE));
            case UINT64 -> room(8).putLong(unsigned64(parser));
            case FP16 -> room(2).putShort(HalfPrecision.floatToHalf(representable(parser, HALF_MAX)));
            case BF16 -> room(2).putShort(HalfPrecision.floatToBfloat16(representable(parser, BF16_MAX)));
            case FP32 -> room(4).putFloat(representable(parser, Float.MAX_VALUE));
            case FP64 -> room(8).putDouble(number(parser));
            case BYTES -> {
                if (token != JsonToken.VALUE_STRING) {
                    throw badElement(parser);
                }
                byte[] bytes = parser.getText().getBytes(StandardCharsets.UTF_8);
                room(4 + bytes.length).putInt(bytes.length).put(bytes);
            }
        }
        count++;
    }

    /** The tensor written, once it has every element its shape needs. */
    Tensor tensor() {
        if (count != expected) {
            throw GantryException.invalidArgument("input '%s' has %d data elements but its shape %s needs %d", name,
                    count, Arrays.toString(shape), expected);
        }
        return Tensor.of(name, dataType, shape, buffer.flip());
    }

    private long integer(JsonParser parser, long min, long max) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT
                || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw badElement(parser);
        }
        long value = parser.getLongValue();
        if (value < min || value > max) {
            throw badElement(parser);
        }
        return value;
    }

    private long unsigned64(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw badElement(parser);
        }
        BigInteger value = parser.getBigIntegerValue();
        if (value.signum() < 0 || value.compareTo(UINT64_MAX) > 0) {
            throw badElement(parser);
        }
        return value.longValue();
    }

    private double number(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
            throw badElement(parser);
        }
        return parser.getDoubleValue();
    }

    /**
     * A number that fits the datatype: one whose magnitude would round to infinity is refused rather than
     * silently becoming one ({@code max} is the largest value that rounds to a finite one).
     */
    private float representable(JsonParser parser, double max) throws IOException {
        double value = number(parser);
        if (Math.abs(value) > max) {
            throw GantryException.invalidArgument("input '%s': element %d, '%s', is beyond the range of %s"
                    + " (largest magnitude %s)", name, count, parser.getText(), dataType,
                    dataType == DataType.FP16 ? "65504" : dataType == DataType.BF16 ? "3.3895314E38"
                            : Float.toString(Float.MAX_VALUE));
        }
        return (float) value;
    }

    private GantryException badElement(JsonParser parser) throws IOException {
        return GantryException.invalidArgument("input '%s': element %d, '%s', is not a valid %s value", name, count,
                parser.getText(), dataType);
    }

    /** Makes room for {@code bytes} more, growing geometrically but never beyond what the shape allows. */
    private ByteBuffer room(int bytes) {
        if (buffer.remaining() >= bytes) {
            return buffer;
        }
        long needed = (long) buffer.position() + bytes;
        if (needed > maxBytes) {
            throw GantryException.invalidArgument("input '%s' holds more than %d bytes", name, maxBytes);
        }
        long capacity = Math.min(maxBytes, Math.max(needed, (long) buffer.capacity() * 2));
        ByteBuffer grown = ByteBuffer.allocate((int) capacity).order(ByteOrder.LITTLE_ENDIAN);
        grown.put(buffer.flip());
        buffer = grown;
        return buffer;
    }
}
