package org.gantry.traffic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.api.traffic.Tolerance;
import org.gantry.test.support.TestTensors;
import org.junit.jupiter.api.Test;

class TensorDifferenceTest {

    private static final Tolerance EXACT = Tolerance.EXACT;

    private static Tensor floats(float... values) {
        return TestTensors.fp32("y", new long[] { values.length }, values);
    }

    private static Tensor longs(long... values) {
        return TestTensors.int64("ids", new long[] { values.length }, values);
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
        Tensor yes = TestTensors.texts("s", "yes");
        Tensor no = TestTensors.texts("s", "no!");
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
    void halfPrecisionTensorsAreComparedByTheirValues() {
        Tensor one = halves((short) 0x3c00); // 1.0
        Tensor minusTwo = halves((short) 0xc000); // -2.0
        assertEquals(3, TensorDifference.between(one, minusTwo, EXACT).maxAbsDifference());
        assertTrue(TensorDifference.between(one, halves((short) 0x3c01), new Tolerance(0.001, 0)).withinTolerance(),
                "0x3c01 is 1 + 2^-10");
    }

    private static Tensor halves(short... bits) {
        ByteBuffer data = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short half : bits) {
            data.putShort(half);
        }
        return Tensor.of("h", DataType.FP16, new long[] { bits.length }, data.flip());
    }
}
