package dev.vecrnn.bench.nn;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.Recurrent;

import java.util.Random;

/** Reproducible inputs for the nn benchmarks (dev.vecrnn.bench.BenchInputs is package-private there). */
final class NnInputs {
    /** The same seed as the kernel benchmarks, so every run draws the same weights and inputs. */
    static final long SEED = 20250917L;

    private NnInputs() {
    }

    /** n floats uniform in [lo, hi). */
    static float[] uniform(Random rnd, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd.nextFloat();
        return a;
    }

    /** A tensor of the given shape, uniform in [-1, 1). */
    static Tensor tensor(Random rnd, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return Tensor.of(uniform(rnd, n, -1f, 1f), shape);
    }

    /** {@code net} itself for "FP32", else its {@link Recurrent#quantized} copy in that precision ("INT8", "BF16"). */
    static Recurrent withPrecision(Recurrent net, String precision) {
        Precision p = Precision.valueOf(precision);
        return p == Precision.FP32 ? net : net.quantized(p);
    }
}
