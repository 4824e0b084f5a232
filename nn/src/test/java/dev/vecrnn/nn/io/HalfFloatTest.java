package dev.vecrnn.nn.io;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The library's own binary16 decoding (it runs on JDK 17, before {@code Float.float16ToFloat}). */
class HalfFloatTest {

    @Test
    void knownValues() {
        // from the IEEE 754 binary16 layout: sign, 5 exponent bits (bias 15), 10 fraction bits
        assertBits(0f, 0x0000);
        assertBits(-0f, 0x8000);
        assertBits(1f, 0x3c00);
        assertBits(-2f, 0xc000);
        assertBits(65504f, 0x7bff);                 // the largest finite half
        assertBits(0x1p-14f, 0x0400);               // the smallest normal
        assertBits(0x1p-24f, 0x0001);               // the smallest subnormal
        assertBits(0x3ffp-24f, 0x03ff);             // the largest subnormal
        assertBits(1f + 0x1p-10f, 0x3c01);
        assertBits(Float.POSITIVE_INFINITY, 0x7c00);
        assertBits(Float.NEGATIVE_INFINITY, 0xfc00);
        assertEquals(0x7fc0_0000, Float.floatToRawIntBits(TensorData.halfToFloat((short) 0x7e00)), "quiet NaN");
        assertEquals(0x7fc0_2000, Float.floatToRawIntBits(TensorData.halfToFloat((short) 0x7c01)), "a signalling NaN comes out quiet");
    }

    /** Every one of the 65,536 halves against the JDK's own conversion, where the JDK has it (20 and newer). */
    @Test
    void everyHalfAsTheJdkDecodesIt() throws ReflectiveOperationException {
        Method jdk;
        try {
            jdk = Float.class.getMethod("float16ToFloat", short.class);
        } catch (NoSuchMethodException e) {
            assumeTrue(false, "Float.float16ToFloat is JDK 20+; the known values above still ran");
            return;
        }
        for (int h = 0; h < 1 << 16; h++) {
            float expected = (float) jdk.invoke(null, (short) h);
            float actual = TensorData.halfToFloat((short) h);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), "half 0x" + Integer.toHexString(h));
        }
    }

    private static void assertBits(float expected, int half) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(TensorData.halfToFloat((short) half)),
                "half 0x" + Integer.toHexString(half));
    }
}
