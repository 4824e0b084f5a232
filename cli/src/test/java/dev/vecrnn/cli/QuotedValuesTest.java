package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A refusal quotes a value read from a file as numpy prints it from that file: a whole number as an integer, a float32's as
 * its float prints ({@code np.float32(0.3)} prints 0.3) and a float64's as its double prints ({@code np.float64(0.30000000001)}),
 * where the commands, reading every floating-point file as doubles or as float32, printed 3.0E9, 0.30000001192092896 for the
 * float32 0.3, or -1.2345679 for the float64 -1.23456789. The expected strings are numpy's printing of each value (python3 -c
 * 'import numpy as np; print(np.float32(0.3))'), but for whole values, which every refusal prints as an integer array's below 1e18
 * (numpy prints the float 3e9 as 3000000000.0) and past it as Java prints a float or double (numpy: 1e+20).
 */
class QuotedValuesTest {

    /** Lengths are read as whole numbers: a float64 3e9 was "got 3.0E9", a float32 0.3 "got 0.30000001192092896". */
    @Test
    void lengthsQuotedAsTheFileHoldsThem(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        double[] len = new double[40];
        java.util.Arrays.fill(len, 5);
        String[][] cases = {{"F64", "3e9", "got 3000000000 at element 1"}, {"F32", "3e9", "got 3000000000 at element 1"},
                {"F32", "0.3", "got 0.3 at element 1"}, {"F64", "0.30000000001", "got 0.30000000001 at element 1"},
                // past 1e18 as Java prints a float (numpy: 1e+20), not the digits of the double it widens to, 1.0000000200408773E20
                {"F32", "1e20", "got 1.0E20 at element 1"}};
        for (String[] c : cases) {
            len[1] = Double.parseDouble(c[1]);
            Path file = write(dir, "len.npy", c[0], len, 40);
            ContractTest.run(fitTo(dir, "m1", "--lengths", file.toString())).refused("--lengths " + file, "expected whole numbers", c[2]);
            ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--lengths", file.toString(),
                    "--out", dir.resolve("p.npy").toString()).refused("--lengths " + file, c[2]);
        }
    }

    /**
     * Class labels and one-hot rows in a float32 Y were quoted with every digit of the double the float widens to; a float64
     * Y's as its double. fit, its --val-y and evaluate read them alike.
     */
    @Test
    void classLabelsQuotedAsTheFileHoldsThem(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        String x = dir.resolve("x.npy").toString();
        double[] labels = new double[40], hot = new double[40 * 2];
        for (int i = 0; i < 40; i++) {
            labels[i] = i % 2;
            hot[2 * i + i % 2] = 1;
        }
        String[][] cases = {{"F32", "0.3", "got 0.3 at element 5", "got 0.3 at row 7, column 0"},
                {"F64", "0.30000000001", "got 0.30000000001 at element 5", "got 0.30000000001 at row 7, column 0"},
                {"F32", "0.1", "got 0.1 at element 5", "got 0.1 at row 7, column 0"}};
        for (String[] c : cases) {
            double v = Double.parseDouble(c[1]);
            labels[5] = v;
            hot[2 * 7] = v;
            hot[2 * 7 + 1] = 1 - v;
            Path y = write(dir, "y1.npy", c[0], labels, 40), h = write(dir, "hot.npy", c[0], hot, 40, 2);
            for (String[] f : new String[][] {{y.toString(), c[2]}, {h.toString(), c[3]}}) {
                ContractTest.run("fit", "--x", x, "--y", f[0], "--task", "classification", "--hidden", "3", "--epochs", "1",
                        "--out", dir.resolve("m1").toString()).refused("--y " + f[0], f[1]);
                ContractTest.run(fitTo(dir, "m2", "--val-x", x, "--val-y", f[0]))
                        .refused("--val-y " + f[0], f[1]);
                ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", x, "--y", f[0]).refused("--y " + f[0], f[1]);
            }
        }
    }

    /**
     * Multi-hot targets are trained as float32: a float64 Y's -1.23456789 was quoted as its float, -1.2345679, a value the file
     * does not hold; a float32 Y's is its float's.
     */
    @Test
    void multiHotTargetsQuotedAsTheFileHoldsThem(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        String x = dir.resolve("x.npy").toString();
        double[] y = new double[40 * 3];
        for (int i = 0; i < y.length; i++) y[i] = (i * 7) % 3 == 0 ? 1 : 0;
        write(dir, "multi.npy", "F32", y, 40, 3);
        assertEquals(0, ContractTest.run("fit", "--x", x, "--y", dir.resolve("multi.npy").toString(), "--task", "multilabel", "--hidden", "3",
                "--epochs", "1", "--out", dir.resolve("ml").toString()).code());
        y[5 * 3 + 2] = -1.23456789;
        for (String[] c : new String[][] {{"F64", "got -1.23456789 at row 5, label 2"}, {"F32", "got -1.2345679 at row 5, label 2"}}) {
            String f = write(dir, "bad.npy", c[0], y, 40, 3).toString();
            ContractTest.run("fit", "--x", x, "--y", f, "--task", "multilabel", "--hidden", "3", "--epochs", "1",
                    "--out", dir.resolve("m1").toString()).refused("--y " + f, c[1]);
            ContractTest.run("fit", "--x", x, "--y", dir.resolve("multi.npy").toString(), "--val-x", x, "--val-y", f, "--task", "multilabel",
                    "--hidden", "3", "--epochs", "1", "--out", dir.resolve("m2").toString()).refused("--val-y " + f, c[1]);
            ContractTest.run("evaluate", "--model", dir.resolve("ml").toString(), "--x", x, "--y", f).refused("--y " + f, c[1]);
        }
    }

    /** ContractTest's fit, to {@code dir/out} (its m is the model the other commands are given). */
    private static String[] fitTo(Path dir, String out, String... extra) {
        String[] a = ContractTest.fit(dir, extra);
        a[java.util.List.of(a).indexOf("--out") + 1] = dir.resolve(out).toString();
        return a;
    }

    /** {@code v} written to {@code dir/name} as a .npy of {@code dtype} (F32 or F64) and {@code shape}. */
    private static Path write(Path dir, String name, String dtype, double[] v, int... shape) throws java.io.IOException {
        Path file = dir.resolve(name);
        if (dtype.equals("F64")) {
            Npy.write(file, TensorData.doubles(v.clone(), shape));
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            Npy.write(file, Tensor.of(f, shape));
        }
        return file;
    }
}
