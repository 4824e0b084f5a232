package dev.vecrnn.nn.train;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.model.Model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hochreiter and Schmidhuber's adding problem at T = 50: each step holds a value in [0, 1) and a
 * marker; exactly two steps are marked, one in each half, and the target is the sum of their values.
 * Predicting the mean (1.0) gives an MSE of about 1/6; a model must remember across up to 50 steps.
 */
class AddingProblemTest {
    static final int T = 50;

    static Dataset make(int n, Random rnd) {
        float[] x = new float[n * T * 2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int a = rnd.nextInt(T / 2), b = T / 2 + rnd.nextInt(T / 2);
            for (int t = 0; t < T; t++) {
                x[(i * T + t) * 2] = rnd.nextFloat();
                x[(i * T + t) * 2 + 1] = (t == a || t == b) ? 1f : 0f;
            }
            y[i] = x[(i * T + a) * 2] + x[(i * T + b) * 2];
        }
        return Dataset.regression(x, n, T, 2, null, y, 1, false);
    }

    @Test
    void lstmSolvesAddingProblem() {
        Random rnd = new Random(11);
        Dataset train = make(6000, rnd);
        Dataset test = make(1000, rnd);
        double baseline = 0;
        for (float v : ((Dataset.Regression) test).targets()) baseline += (v - 1.0) * (v - 1.0);
        baseline /= test.size();
        Model model = Model.builder(2).lstm(48).lastStep().dense(1).seed(3).build();
        long t0 = System.nanoTime();
        new Trainer().epochs(12).batchSize(32).seed(5).clipNorm(1.0)
                .optimizer(ps -> new dev.vecrnn.nn.train.Adam(ps, 3e-3))
                .onEpoch(e -> System.out.printf("adding problem: epoch %d loss %.4f%n", e.epoch(), e.trainLoss()))
                .fit(model, train);
        double mse = Trainer.evaluate(model, test).loss();
        System.out.printf("adding problem: test MSE %.4f (mean predictor %.4f) in %.1f s%n", mse, baseline, (System.nanoTime() - t0) / 1e9);
        assertTrue(baseline > 0.14 && baseline < 0.2, "baseline MSE of predicting the mean: " + baseline);
        assertTrue(mse < 0.02, "test MSE " + mse + " should be under 0.02 (mean predictor: " + baseline + ")");

        // the trained model with int8 and bf16 recurrent weights (issue 16): still under 0.01
        double int8 = Trainer.evaluate(model.quantized(Precision.INT8), test).loss();
        double bf16 = Trainer.evaluate(model.quantized(Precision.BF16), test).loss();
        System.out.printf("ACCURACY adding problem LSTM 48 test MSE: fp32 %.5f, int8 %.5f, bf16 %.5f%n", mse, int8, bf16);
        assertTrue(int8 < 0.01, "int8 test MSE " + int8 + " should be under 0.01 (fp32 " + mse + ")");
        assertTrue(bf16 < 0.01, "bf16 test MSE " + bf16 + " should be under 0.01 (fp32 " + mse + ")");
    }
}
