package dev.vecrnn.gradcheck;

/** Two sets of gradients that must agree within a tolerance relative to the largest of them. */
final class Close {
    private Close() {
    }

    static void assertClose(Data d, String what, float[][] expected, float[][] actual, double rtol) {
        double scale = 0;
        for (float[] e : expected) for (float v : e) scale = Math.max(scale, Math.abs(v));
        double tol = rtol * Math.max(scale, 1e-3);
        for (int p = 0; p < expected.length; p++) {
            if (expected[p].length != actual[p].length) {
                throw new AssertionError(d + ", " + what + ": param " + p + " has " + actual[p].length + " gradients, expected "
                        + expected[p].length);
            }
            for (int i = 0; i < expected[p].length; i++) {
                double diff = Math.abs((double) expected[p][i] - actual[p][i]);
                if (!(diff <= tol)) {
                    throw new AssertionError(String.format("%s, %s: param %d element %d: expected %.9g, got %.9g (difference %.3g,"
                            + " tolerance %.3g = %.1g * max |gradient| %.3g)", d, what, p, i, expected[p][i], actual[p][i], diff, tol,
                            rtol, scale));
                }
            }
        }
    }
}
