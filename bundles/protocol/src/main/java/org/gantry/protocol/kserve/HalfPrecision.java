package org.gantry.protocol.kserve;

/**
 * Conversions between float and the 16-bit formats FP16 (IEEE 754 half) and BF16 (bfloat16), rounding to
 * nearest even. Java 17 has no {@code Float.floatToFloat16}; JSON carries these types as ordinary numbers. Public for
 * the other places that read tensors as numbers (safe updates compare and capture them).
 */
public final class HalfPrecision {

    private HalfPrecision() {
    }

    public static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) { // infinity or NaN (keep NaN a NaN)
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) { // subnormal half, or zero
            if (halfExponent < -10) {
                return (short) sign;
            }
            int full = mantissa | 0x800000;
            int shift = 14 - halfExponent;
            return (short) (sign | roundShift(full, shift));
        }
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        return (short) (sign | ((halfExponent << 10) + roundShift(mantissa, 13)));
    }

    private static int roundShift(int value, int shift) {
        int result = value >>> shift;
        int remainder = value & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (result & 1) != 0)) {
            result++;
        }
        return result;
    }

    public static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    public static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float bfloat16ToFloat(short bfloat16) {
        return Float.intBitsToFloat((bfloat16 & 0xffff) << 16);
    }
}
