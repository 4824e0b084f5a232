package dev.vecrnn.nn.layers;

import dev.vecrnn.nn.Require;

import java.util.Random;

/** Weight initialisers: PyTorch's defaults, Xavier/Glorot uniform, and orthogonal (for recurrent weights). */
public final class Init {
    private Init() {
    }

    private static void matrix(float[] a, int off, int rows, int cols, Random rnd) {
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("rows, cols: expected >= 1, got [" + rows + ", " + cols + "]");
        Require.range("a", a, off, (long) rows * cols);
        Require.notNull("rnd", rnd);
    }

    /** U(-bound, bound). */
    public static void uniform(float[] a, int off, int n, double bound, Random rnd) {
        Require.range("a", a, off, n);
        if (!(bound >= 0 && bound < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("bound: expected a finite value >= 0, got " + bound);
        }
        Require.notNull("rnd", rnd);
        for (int i = 0; i < n; i++) a[off + i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
    }

    /** Xavier/Glorot uniform for a [rows, cols] matrix: U(-sqrt(6/(rows+cols)), +). */
    public static void xavier(float[] a, int off, int rows, int cols, Random rnd) {
        matrix(a, off, rows, cols, rnd);
        uniform(a, off, rows * cols, Math.sqrt(6.0 / (rows + cols)), rnd);
    }

    /**
     * A [rows, cols] matrix with orthonormal rows or columns (whichever are fewer), as
     * {@code torch.nn.init.orthogonal_}: Gram-Schmidt on a Gaussian matrix, in double.
     */
    public static void orthogonal(float[] a, int off, int rows, int cols, Random rnd) {
        matrix(a, off, rows, cols, rnd);
        boolean transpose = rows < cols;
        int n = transpose ? cols : rows;  // vectors of length n
        int m = transpose ? rows : cols;  // how many
        double[][] v = new double[m][n];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) v[j][i] = rnd.nextGaussian();
            for (int pass = 0; pass < 2; pass++) {
                for (int q = 0; q < j; q++) {
                    double d = 0;
                    for (int i = 0; i < n; i++) d += v[j][i] * v[q][i];
                    for (int i = 0; i < n; i++) v[j][i] -= d * v[q][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += v[j][i] * v[j][i];
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) v[j][i] /= norm;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) a[off + r * cols + c] = (float) (transpose ? v[r][c] : v[c][r]);
        }
    }
}
