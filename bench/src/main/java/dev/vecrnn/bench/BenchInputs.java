package dev.vecrnn.bench;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;

import java.util.Random;

/** What every benchmark and the demo share: the implementation by name, and reproducible inputs. */
final class BenchInputs {
    /** One seed for every input, so runs compare the same numbers. */
    static final long SEED = 20250917L;

    private BenchInputs() {
    }

    /** {@code panama} or {@code scalar}; fails, saying why, when the Vector API kernels cannot run here. */
    static Kernels kernels(String impl) {
        return switch (impl) {
            case "scalar" -> Kernels.scalar();
            case "panama" -> {
                Kernels k = Kernels.panama();
                if (k == null) {
                    throw new IllegalStateException("impl=panama: the Vector API kernels are unavailable: "
                            + Kernels.whyNoPanama());
                }
                yield k;
            }
            default -> throw new IllegalArgumentException("impl: expected panama or scalar, got " + impl);
        };
    }

    /** n floats uniform in [lo, hi). */
    static float[] uniform(Random rnd, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd.nextFloat();
        return a;
    }

    /** A cell with I inputs and H units, weights and biases uniform in +-1/sqrt(H) as PyTorch initialises them. */
    static PackedGates cell(Random rnd, PackedGates.Cell cell, int inputSize, int hiddenSize) {
        float k = (float) (1.0 / Math.sqrt(hiddenSize));
        int rows = cell.gates * hiddenSize;
        return PackedGates.pack(cell, inputSize, hiddenSize, hiddenSize,
                uniform(rnd, rows * inputSize, -k, k), uniform(rnd, rows * hiddenSize, -k, k),
                uniform(rnd, rows, -k, k), uniform(rnd, rows, -k, k));
    }
}
