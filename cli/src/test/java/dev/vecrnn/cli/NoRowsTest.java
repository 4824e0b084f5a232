package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Arrays of no sequences, what a filter that kept no row leaves. A PyTorch module runs a batch of none and returns
 * outputs of none in its shapes (as infer does since InferEmptyBatchTest): predict writes [0, K] or [0, T, K], where it
 * refused X as "expected at least one sequence". (Keras 3's predict does not: with no batch to run, its loop ends with
 * batch_outputs never assigned, an UnboundLocalError; tf.keras 2 raised "Empty batch_outputs".) evaluate has no figure
 * to give: Keras 3's evaluate over no batch returns none ([] or {}), scikit-learn's metrics refuse empty arrays; it
 * refuses, naming --x and saying there is nothing to evaluate. quantize has nothing to measure on and refuses.
 */
class NoRowsTest {

    /** A classifier of 2 outputs a sequence (m) and a regression model of one output a step (ms), fitted on x [40, 5, 2]. */
    private static void models(Path dir) throws Exception {
        ContractTest.data(dir);
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        Npy.write(dir.resolve("ys.npy"), Tensor.zeros(40, 5));
        assertEquals(0, ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("ys.npy").toString(), "--per-step",
                "--task", "regression", "--hidden", "3", "--epochs", "1", "--out", dir.resolve("ms").toString()).code());
        Npy.write(dir.resolve("x0.npy"), Tensor.zeros(0, 5, 2));
    }

    @Test
    void predictWritesOutputsOfNoRow(@TempDir Path dir) throws Exception {
        models(dir);
        String x0 = dir.resolve("x0.npy").toString();
        assertShape(new int[] {0, 2}, dir, "predict", "--model", dir.resolve("m").toString(), "--x", x0, "--out", dir.resolve("p").toString());
        assertShape(new int[] {0, 5, 1}, dir, "predict", "--model", dir.resolve("ms").toString(), "--x", x0, "--out", dir.resolve("ps").toString());
        // lengths of no sequence, as a filter applied to X and its lengths leaves them
        Path len0 = dir.resolve("len0.npy");
        Npy.writeLongs(len0, new long[0], 0);
        assertShape(new int[] {0, 2}, dir, "predict", "--model", dir.resolve("m").toString(), "--x", x0, "--lengths", len0.toString(),
                "--out", dir.resolve("pl").toString());
        // infer runs a fitted model as predict does
        ContractTest.Result r = ContractTest.run("infer", "--model", dir.resolve("m").toString(), "--input", x0, "--out", dir.resolve("i").toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new int[] {0, 2}, Npy.read(dir.resolve("i/output.npy")).shape());
    }

    @Test
    void predictOfTokenIdsOfNoRow(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        ContractTest.tokenIds(dir, 6);
        assertEquals(0, ContractTest.run("fit", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--vocab", "6",
                "--task", "classification", "--hidden", "3", "--epochs", "1", "--out", dir.resolve("m").toString()).code());
        Path ids0 = dir.resolve("ids0.npy");
        Npy.writeLongs(ids0, new long[0], 0, 5);
        assertShape(new int[] {0, 2}, dir, "predict", "--model", dir.resolve("m").toString(), "--x", ids0.toString(), "--out", dir.resolve("p").toString());
    }

    /**
     * evaluate's refusal of no rows, and what stays refused: quantize's --x of no rows (nothing to measure on), predict's X of
     * no steps or of features the model does not take. Each names --x; nothing is written.
     */
    @Test
    void evaluateHasNothingToEvaluateAndTheRestStaysRefused(@TempDir Path dir) throws Exception {
        models(dir);
        String x0 = dir.resolve("x0.npy").toString(), m = dir.resolve("m").toString();
        Npy.writeLongs(dir.resolve("y0.npy"), new long[0], 0);
        Npy.write(dir.resolve("ys0.npy"), Tensor.zeros(0, 5));
        Path noSteps = dir.resolve("no-steps.npy"), three = dir.resolve("three.npy");
        Npy.write(noSteps, Tensor.zeros(0, 0, 2));
        Npy.write(three, Tensor.zeros(0, 5, 3));
        List<String> before = ContractTest.snapshot(dir);
        ContractTest.run("evaluate", "--model", m, "--x", x0, "--y", dir.resolve("y0.npy").toString(), "--json", dir.resolve("e.json").toString())
                .refused("--x " + x0, "[0, 5, 2]", "nothing to evaluate");
        ContractTest.run("evaluate", "--model", dir.resolve("ms").toString(), "--x", x0, "--y", dir.resolve("ys0.npy").toString())
                .refused("--x " + x0, "nothing to evaluate");
        ContractTest.run("quantize", "--model", m, "--out", dir.resolve("q").toString(), "--precision", "int8", "--x", x0)
                .refused("--x " + x0, "at least one sequence");
        ContractTest.run("predict", "--model", m, "--x", noSteps.toString(), "--out", dir.resolve("p").toString())
                .refused("--x " + noSteps, "at least one step", "[0, 0, 2]");
        ContractTest.run("predict", "--model", m, "--x", three.toString(), "--out", dir.resolve("p").toString())
                .refused("--x " + three, "expected 2 features", "got 3");
        assertEquals(before, ContractTest.snapshot(dir), "nothing written");
    }

    private static void assertShape(int[] shape, Path dir, String... args) throws Exception {
        ContractTest.Result r = ContractTest.run(args);
        assertEquals(0, r.code(), r.err());
        Path written = Path.of(r.out().strip().substring("wrote ".length()));
        assertEquals(dir, written.getParent());
        assertArrayEquals(shape, Npy.read(written).shape(), String.join(" ", args));
        assertEquals(0, Npy.read(written).toFloats().length);
    }
}
