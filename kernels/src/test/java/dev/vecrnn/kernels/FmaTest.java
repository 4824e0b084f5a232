package dev.vecrnn.kernels;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The scalar kernels' FMA without FMA instructions ({@link Fma#emulated}) against {@code Math.fma}, which
 * is the CPU's instruction where the build runs and the JDK's BigDecimal arithmetic elsewhere, and against
 * BigDecimal directly on the cases built to catch double rounding.
 */
class FmaTest {

    private static void same(float a, float b, float c) {
        float want = Math.fma(a, b, c);
        float got = Fma.emulated(a, b, c);
        if (Float.isNaN(want)) { // NaN's payload is not specified
            org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(got), () -> "fma(" + a + ", " + b + ", " + c + "): Math.fma NaN, emulated " + got);
            return;
        }
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                () -> "fma(" + a + ", " + b + ", " + c + "): Math.fma " + want + ", emulated " + got);
    }

    @Test
    void randomOperandsOfEveryMagnitudeMatchMathFma() {
        SplittableRandom r = new SplittableRandom(17);
        for (int i = 0; i < 2_000_000; i++) {
            // random bit patterns cover subnormals, infinities, NaN and both zeros; the scaled ones make
            // products and addends of similar size, where cancellation happens
            float a = Float.intBitsToFloat(r.nextInt()), b = Float.intBitsToFloat(r.nextInt()), c = Float.intBitsToFloat(r.nextInt());
            same(a, b, c);
            float x = (float) r.nextDouble(-4, 4), y = (float) r.nextDouble(-4, 4);
            same(x, y, -x * y);
            same(x, y, (float) r.nextDouble(-16, 16));
            same(x, y, Math.scalb((float) r.nextDouble(-1, 1), r.nextInt(-40, 10)));
        }
    }

    /**
     * a * b + c just below a float midpoint: c = 1 + odd * 2^-23 (times 2^e), a = 1 + i 2^-23 and
     * b = (1 - i 2^-23) 2^(e - 24), so a * b = half an ulp of c minus i^2 2^(e - 70). Rounded once, the
     * sum goes down to c; rounded to double first (for i < 2^8 the tail is below double's last bit) it
     * lands on the midpoint, and ties-to-even then rounds up: plain double arithmetic is wrong on every case.
     */
    @Test
    void sumsThatRoundingTwiceWouldGetWrongRoundOnce() {
        SplittableRandom r = new SplittableRandom(5);
        int wrongThroughDouble = 0, n = 100_000;
        for (int t = 0; t < n; t++) {
            int i = 1 + r.nextInt(255), e = r.nextInt(-20, 21);
            float sign = r.nextBoolean() ? 1f : -1f;
            float c = sign * Math.scalb(1f + (2 * r.nextInt(1 << 22) + 1) * 0x1p-23f, e);
            float a = 1f + i * 0x1p-23f, b = sign * Math.scalb(1f - i * 0x1p-23f, e - 24);
            float want = new BigDecimal((double) a).multiply(new BigDecimal((double) b)).add(new BigDecimal((double) c)).floatValue();
            assertEquals(c, want, "the construction: the sum should round back to c");
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(Fma.emulated(a, b, c)),
                    "fma(" + a + ", " + b + ", " + c + ")");
            same(a, b, c);
            if ((float) ((double) a * b + c) != want) wrongThroughDouble++;
        }
        // the cases are only a test if rounding through double gets them wrong
        assertEquals(n, wrongThroughDouble, "rounding through double should miss every constructed case");
    }

    @Test
    void specialValuesFollowMathFma() {
        float[] v = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1f, -1f, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0x1p-75f, 3f, 0.1f};
        for (float a : v) for (float b : v) for (float c : v) same(a, b, c);
    }
}
