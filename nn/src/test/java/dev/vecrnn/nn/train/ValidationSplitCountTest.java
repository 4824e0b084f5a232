package dev.vecrnn.nn.train;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * How many rows validationSplit(f) holds out of n: Keras 3's count (keras/src/trainers/data_adapters/array_slicing.py,
 * train_validation_split), which trains on the first int(math.floor(n * (1.0 - f))) rows and validates on the rest,
 * and refuses a split that leaves either side empty. The expected counts were computed by that formula in Python
 * (/usr/bin/python3, its floats doubles), not by vecrnn.
 */
class ValidationSplitCountTest {
    /** {n, f, validation rows}: n - int(math.floor(n * (1 - f))) as Python computes it. */
    private static final double[][] KERAS = {
            {10, 0.22, 3},   // round(10 * 0.22) would be 2
            {10, 0.3, 3},    // 10 * (1 - 0.3) is 7.0 in doubles
            {10, 0.1, 1}, {10, 0.2, 2}, {10, 0.5, 5}, {20, 0.15, 3}, {100, 0.07, 7}, {1000, 0.001, 1},  // products exact
            {3, 0.1, 1},     // 2.7 training rows: 2
            {2, 0.5, 1}, {4, 0.25, 1}, {6, 0.6, 4}, {10, 0.7, 7}, {13, 0.25, 4},
            {7, 0.3, 3},     // 7 * 0.7 = 4.8999999999999995
            {10, 0.05, 1},
            {10, 0.8, 9},    // 10 * (1 - 0.8) = 1.9999999999999996: one training row, not two
            {25, 0.56, 15},  // 10.999999999999998
            {50, 0.34, 18},  // 32.99999999999999
    };

    /** n rows of one step and one feature, row i's feature i: a subset's values name its rows. */
    private static Dataset rows(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i;
        return Dataset.regression(x, n, 1, 1, null, new float[n], 1, false);
    }

    private static int[] ids(Dataset d) {
        int[] ids = new int[d.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = (int) d.x()[i];
        return ids;
    }

    @Test
    void holdsOutKerasCountInBothModes() {
        for (double[] c : KERAS) {
            int n = (int) c[0], nVal = (int) c[2];
            double f = c[1];
            String what = f + " of " + n + " rows";
            assertEquals(nVal, Trainer.validationRowCount(n, f), what);
            Dataset d = rows(n);

            // --val-rows last: Keras's own split, the first n - nVal rows train, the last nVal validate, in order
            Trainer last = new Trainer().seed(4).validationSplit(f, true);
            int[] all = ids(d);
            assertArrayEquals(Arrays.copyOfRange(all, n - nVal, n), ids(last.validationRows(d)), what + ", last rows");
            assertArrayEquals(Arrays.copyOfRange(all, 0, n - nVal), ids(last.trainingData(d)), what + ", last rows");

            // random rows: as many, and the two sides together every row once
            Trainer random = new Trainer().seed(4).validationSplit(f);
            int[] val = ids(random.validationRows(d)), train = ids(random.trainingData(d));
            assertEquals(nVal, val.length, what + ", random rows");
            int[] both = new int[n];
            System.arraycopy(val, 0, both, 0, nVal);
            System.arraycopy(train, 0, both, nVal, n - nVal);
            Arrays.sort(both);
            assertArrayEquals(all, both, what + ", random rows");
        }
    }

    /** Where Keras raises "not sufficient to split it", the split is refused, naming the side left empty. */
    @Test
    void refusesWhatKerasRefuses() {
        // {n, f}: int(math.floor(n * (1 - f))) is 0 (nothing trains) in Python
        double[][] noTraining = {{1, 0.1}, {10, 0.9}, {5, 0.8}, {5, 0.95}, {20, 0.99}};
        for (double[] c : noTraining) {
            for (boolean lastRows : new boolean[] {false, true}) {
                Trainer t = new Trainer().validationSplit(c[1], lastRows);
                String msg = assertThrows(IllegalArgumentException.class, () -> t.trainingData(rows((int) c[0]))).getMessage();
                assertEquals("validation split: " + c[1] + " of " + (int) c[0] + (c[0] == 1 ? " row" : " rows") + " leaves no training rows", msg);
            }
        }
        // 1 - 1e-20 is 1.0 in doubles: all 3 rows train, none validates
        String msg = assertThrows(IllegalArgumentException.class, () -> new Trainer().validationSplit(1e-20).validationRows(rows(3))).getMessage();
        assertEquals("validation split: 1.0E-20 of 3 rows leaves no validation rows", msg);
    }
}
