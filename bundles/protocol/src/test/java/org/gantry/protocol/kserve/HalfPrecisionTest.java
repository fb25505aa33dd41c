package org.gantry.protocol.kserve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfPrecisionTest {

    @Test
    void halfPrecisionConversionsRoundToNearestEven() {
        assertEquals(0x3c00, HalfPrecision.floatToHalf(1.0f) & 0xffff);
        assertEquals(0x7bff, HalfPrecision.floatToHalf(65504f) & 0xffff);
        assertEquals(0x7c00, HalfPrecision.floatToHalf(1e6f) & 0xffff);
        assertEquals(0x0001, HalfPrecision.floatToHalf(0x1p-24f) & 0xffff);
        assertEquals(0x3c00, HalfPrecision.floatToHalf(1.0f + 0x1p-11f) & 0xffff); // tie: to even
        assertEquals(0x3c01, HalfPrecision.floatToHalf(1.0f + 0x1p-11f + 0x1p-20f) & 0xffff);
        assertEquals(-2.0f, HalfPrecision.halfToFloat(HalfPrecision.floatToHalf(-2.0f)));
        assertEquals(0x1p-24f, HalfPrecision.halfToFloat((short) 1));
        assertTrue(Float.isNaN(HalfPrecision.halfToFloat(HalfPrecision.floatToHalf(Float.NaN))));
        assertEquals(0x3f80, HalfPrecision.floatToBfloat16(1.0f) & 0xffff);
        assertEquals(1.0f, HalfPrecision.bfloat16ToFloat(HalfPrecision.floatToBfloat16(1.00390625f))); // tie: to even
        assertArrayEquals(new float[] { 3.140625f },
                new float[] { HalfPrecision.bfloat16ToFloat(HalfPrecision.floatToBfloat16(3.14159f)) });
    }

    @Test
    void halfPrecisionBitsDecodeToTheirValues() {
        assertEquals(1.0f, HalfPrecision.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, HalfPrecision.halfToFloat((short) 0xc000));
        assertEquals(0x1p-24f, HalfPrecision.halfToFloat((short) 0x0001));
        assertTrue(Float.isInfinite(HalfPrecision.halfToFloat((short) 0x7c00)));
    }
}
