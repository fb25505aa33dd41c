package org.gantry.traffic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.api.traffic.Tolerance;
import org.junit.jupiter.api.Test;

class TensorDifferenceTest {

    private static final Tolerance EXACT = Tolerance.EXACT;

    private static Tensor floats(float... values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            data.putFloat(value);
        }
        return Tensor.of("y", DataType.FP32, new long[] {values.length}, data.flip());
    }

    private static Tensor longs(long... values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            data.putLong(value);
        }
        return Tensor.of("ids", DataType.INT64, new long[] {values.length}, data.flip());
    }

    @Test
    void equalNumbersMatchExactly() {
        TensorDifference same = TensorDifference.between(floats(1, 2, 3), floats(1, 2, 3), EXACT);
        assertTrue(same.exact());
        assertEquals(0, same.maxAbsDifference());
    }

    @Test
    void theLargestElementDifferenceIsReported() {
        TensorDifference apart = TensorDifference.between(floats(1, 2, 3), floats(1, 2.5f, 0), EXACT);
        assertFalse(apart.exact());
        assertEquals(3, apart.maxAbsDifference(), 1e-9);
        assertEquals(7, TensorDifference.between(longs(5, 9), longs(5, 2), EXACT).maxAbsDifference());
    }

    @Test
    void differentShapesOrTypesAreIncomparable() {
        assertEquals(TensorDifference.INCOMPARABLE, TensorDifference.between(floats(1, 2), floats(1, 2, 3), EXACT));
        assertEquals(TensorDifference.INCOMPARABLE, TensorDifference.between(floats(1), longs(1), EXACT));
        assertEquals(TensorDifference.INCOMPARABLE, TensorDifference.between(floats(1), null, EXACT));
    }

    @Test
    void stringsAgreeOnlyWhenEqual() {
        Tensor yes = Tensor.ofBytes("s", new long[] {1}, List.of("yes".getBytes(StandardCharsets.UTF_8)));
        Tensor no = Tensor.ofBytes("s", new long[] {1}, List.of("no!".getBytes(StandardCharsets.UTF_8)));
        assertTrue(TensorDifference.between(yes, yes, EXACT).exact());
        assertFalse(TensorDifference.between(yes, no, EXACT).exact());
    }

    @Test
    void floatsWithinTheToleranceAgreeThoughNotExactly() {
        TensorDifference close = TensorDifference.between(floats(1, 2, 3), floats(1, 2.0000002f, 3),
                Tolerance.DEFAULT);
        assertFalse(close.exact());
        assertTrue(close.withinTolerance());
        assertEquals(2.4e-7, close.maxAbsDifference(), 1e-8);
        assertFalse(TensorDifference.between(floats(1, 2, 3), floats(1, 2.0000002f, 3), EXACT).withinTolerance());
    }

    @Test
    void floatsBeyondTheToleranceDisagree() {
        TensorDifference apart = TensorDifference.between(floats(1, 2, 3), floats(1, 2.001f, 3), Tolerance.DEFAULT);
        assertFalse(apart.withinTolerance());
        assertTrue(TensorDifference.between(floats(1, 2, 3), floats(1, 2.001f, 3), new Tolerance(0.01, 0))
                .withinTolerance());
        assertTrue(TensorDifference.between(floats(100, 2), floats(101, 2), new Tolerance(0, 0.01))
                .withinTolerance(), "relative to the primary's element");
    }

    @Test
    void tokenIdsNeverGetTheTolerance() {
        TensorDifference offByOne = TensorDifference.between(longs(100000, 5), longs(100001, 5),
                new Tolerance(10, 0.5));
        assertFalse(offByOne.withinTolerance());
        assertTrue(TensorDifference.between(longs(7, 5), longs(7, 5), new Tolerance(10, 0.5)).withinTolerance());
    }

    @Test
    void halfPrecisionDecodes() {
        assertEquals(1.0f, TensorDifference.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, TensorDifference.halfToFloat((short) 0xc000));
        assertEquals(0x1p-24f, TensorDifference.halfToFloat((short) 0x0001));
        assertTrue(Float.isInfinite(TensorDifference.halfToFloat((short) 0x7c00)));
    }
}
