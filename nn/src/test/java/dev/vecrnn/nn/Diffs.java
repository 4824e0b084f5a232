package dev.vecrnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Differences between two outputs, for tests that compare a network with another (fp32 with quantized). */
public final class Diffs {
    private Diffs() {
    }

    /** The largest |a[i] - b[i]|, in double; the lengths must match. */
    public static double maxAbs(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }
}
