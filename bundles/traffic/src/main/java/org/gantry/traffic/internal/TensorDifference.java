package org.gantry.traffic.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.api.traffic.Tolerance;
import org.gantry.protocol.kserve.HalfPrecision;

/**
 * How far one tensor is from another: equal element for element or not, within a tolerance or not, and the largest
 * absolute difference of any element. Numbers are compared as doubles (exact for every type but the 64-bit integers
 * beyond 2^53, where a difference still shows as inequality through the raw bytes); only floating-point elements get
 * the tolerance: strings, booleans and integers (token ids) agree only when equal.
 *
 * @param exact            equal datatype, shape and elements
 * @param withinTolerance  exact, or floating-point elements that each agree within the tolerance
 * @param maxAbsDifference 0 when exact; infinite when datatype or shape differ; 0 for unequal strings
 */
record TensorDifference(boolean exact, boolean withinTolerance, double maxAbsDifference) {

    private static final Set<DataType> FLOATING = EnumSet.of(DataType.FP16, DataType.BF16, DataType.FP32,
            DataType.FP64);

    static final TensorDifference INCOMPARABLE = new TensorDifference(false, false, Double.POSITIVE_INFINITY);
    private static final TensorDifference EQUAL = new TensorDifference(true, true, 0);

    static TensorDifference between(Tensor primary, Tensor shadow, Tolerance tolerance) {
        if (shadow == null || primary.dataType() != shadow.dataType()
                || !Arrays.equals(primary.shape(), shadow.shape())) {
            return INCOMPARABLE;
        }
        ByteBuffer a = primary.data().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer b = shadow.data().order(ByteOrder.LITTLE_ENDIAN);
        boolean sameBytes = a.equals(b);
        DataType type = primary.dataType();
        if (sameBytes) {
            return EQUAL;
        }
        if (type == DataType.BYTES || type == DataType.BOOL) {
            return new TensorDifference(false, false, 0);
        }
        boolean floating = FLOATING.contains(type);
        boolean within = floating;
        double max = 0;
        long count = primary.elementCount();
        for (int i = 0; i < count; i++) {
            double expected = element(a, type, i);
            double actual = element(b, type, i);
            double difference = Math.abs(expected - actual);
            if (Double.isNaN(difference)) {
                return INCOMPARABLE;
            }
            max = Math.max(max, difference);
            within &= floating && tolerance.allows(expected, actual);
        }
        return new TensorDifference(false, within, max);
    }

    private static double element(ByteBuffer data, DataType type, int index) {
        int at = data.position() + index * type.byteSize();
        return switch (type) {
            case UINT8 -> data.get(at) & 0xff;
            case INT8 -> data.get(at);
            case UINT16 -> data.getShort(at) & 0xffff;
            case INT16 -> data.getShort(at);
            case UINT32 -> data.getInt(at) & 0xffffffffL;
            case INT32 -> data.getInt(at);
            case UINT64, INT64 -> data.getLong(at);
            case FP16 -> HalfPrecision.halfToFloat(data.getShort(at));
            case BF16 -> HalfPrecision.bfloat16ToFloat(data.getShort(at));
            case FP32 -> data.getFloat(at);
            case FP64 -> data.getDouble(at);
            default -> throw new IllegalArgumentException("no numeric elements in " + type);
        };
    }
}
