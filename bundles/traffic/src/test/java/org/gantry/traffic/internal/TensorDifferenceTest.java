package org.gantry.traffic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


import org.gantry.api.tensor.Tensor;
import org.gantry.test.support.TestTensors;
import org.junit.jupiter.api.Test;

class TensorDifferenceTest {

    private static Tensor floats(float... values) {
        return TestTensors.fp32("y", new long[] {values.length}, values);
    }

    private static Tensor longs(long... values) {
        return TestTensors.int64("ids", new long[] {values.length}, values);
    }

    @Test
    void equalNumbersMatchExactly() {
        TensorDifference same = TensorDifference.between(floats(1, 2, 3), floats(1, 2, 3));
        assertTrue(same.exact());
        assertEquals(0, same.maxAbsDifference());
    }

    @Test
    void theLargestElementDifferenceIsReported() {
        TensorDifference apart = TensorDifference.between(floats(1, 2, 3), floats(1, 2.5f, 0));
        assertFalse(apart.exact());
        assertEquals(3, apart.maxAbsDifference(), 1e-9);
        assertEquals(7, TensorDifference.between(longs(5, 9), longs(5, 2)).maxAbsDifference());
    }

    @Test
    void differentShapesOrTypesAreIncomparable() {
        assertEquals(TensorDifference.INCOMPARABLE, TensorDifference.between(floats(1, 2), floats(1, 2, 3)));
        assertEquals(TensorDifference.INCOMPARABLE, TensorDifference.between(floats(1), longs(1)));
        assertEquals(TensorDifference.INCOMPARABLE, TensorDifference.between(floats(1), null));
    }

    @Test
    void stringsAgreeOnlyWhenEqual() {
        Tensor yes = TestTensors.texts("s", "yes");
        Tensor no = TestTensors.texts("s", "no!");
        assertTrue(TensorDifference.between(yes, yes).exact());
        assertFalse(TensorDifference.between(yes, no).exact());
    }

    @Test
    void halfPrecisionDecodes() {
        assertEquals(1.0f, TensorDifference.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, TensorDifference.halfToFloat((short) 0xc000));
        assertEquals(0x1p-24f, TensorDifference.halfToFloat((short) 0x0001));
        assertTrue(Float.isInfinite(TensorDifference.halfToFloat((short) 0x7c00)));
    }
}
