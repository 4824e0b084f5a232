package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * quantize measured its error on --x without lengths: a model fitted with --lengths on NaN-padded sequences could not
 * be measured on its own data at all (refused for the NaN in the padding), and zero padding was read as steps. It takes
 * --lengths as predict (and infer, for a PyTorch state_dict) does: the padding is not read, and the difference it prints
 * is the largest between predict's outputs of the two models and the states a streaming caller carries on, here
 * reached by stepping each sequence through its valid steps ({@code Model.step}, not the sequence forward quantize runs).
 */
class QuantizeLengthsTest {

    /** The line, "largest difference ... on F: V in c_n (...)" (a fitted model's names "layer 0 c_n"). */
    private static final Pattern DIFF = Pattern.compile("largest difference from fp32 on .*: (\\S+) in ");

    private static double printedDifference(ContractTest.Result r) {
        assertEquals(0, r.code(), r.err());
        Matcher m = DIFF.matcher(r.out());
        assertTrue(m.find(), r.out());
        return Double.parseDouble(m.group(1));
    }

    private static double largestDifference(Path a, Path b) throws Exception {
        float[] x = Npy.read(a).toFloats(), y = Npy.read(b).toFloats();
        assertEquals(x.length, y.length);
        double worst = 0;
        for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((double) x[i] - y[i]));
        return worst;
    }

    /** The largest difference between the two models' states after each sequence's valid steps, stepped one at a time. */
    private static double stateDifference(Path a, Path b, float[] x, long[] len, int steps, int features) throws Exception {
        dev.vecrnn.nn.model.Model ma = dev.vecrnn.nn.format.ModelFile.load(a.resolve("model.safetensors"));
        dev.vecrnn.nn.model.Model mb = dev.vecrnn.nn.format.ModelFile.load(b.resolve("model.safetensors"));
        double worst = 0;
        float[] step = new float[features], outA = new float[ma.outputFeatures()], outB = new float[mb.outputFeatures()];
        for (int i = 0; i < len.length; i++) {
            dev.vecrnn.nn.model.ModelState sa = ma.newState(), sb = mb.newState();
            for (int t = 0; t < len[i]; t++) {
                System.arraycopy(x, (i * steps + t) * features, step, 0, features);
                ma.step(step, sa, outA);
                mb.step(step, sb, outB);
            }
            float[] fa = new float[sa.size()], fb = new float[sb.size()];
            sa.copyTo(fa);
            sb.copyTo(fb);
            assertTrue(fa.length > 0);
            for (int k = 0; k < fa.length; k++) worst = Math.max(worst, Math.abs((double) fa[k] - fb[k]));
        }
        return worst;
    }

    @Test
    void aModelFittedWithLengthsIsMeasuredOnItsPaddedSequences(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2], y [40]
        long[] len = new long[40];
        float[] x = Npy.read(dir.resolve("x.npy")).toFloats();
        for (int i = 0; i < 40; i++) {
            len[i] = 1 + i % 5;
            for (int s = (int) len[i]; s < 5; s++) x[(i * 5 + s) * 2] = x[(i * 5 + s) * 2 + 1] = Float.NaN;
        }
        Npy.write(dir.resolve("xpad.npy"), Tensor.of(x, 40, 5, 2));
        Npy.writeLongs(dir.resolve("len.npy"), len, 40);
        String xpad = dir.resolve("xpad.npy").toString(), lens = dir.resolve("len.npy").toString();
        for (String perStep : new String[] {"", "--per-step"}) {
            Path m = dir.resolve("m" + perStep), q = dir.resolve("q" + perStep);
            String[] fit = {"fit", "--x", xpad, "--y", dir.resolve(perStep.isEmpty() ? "y.npy" : "ys.npy").toString(), "--lengths", lens,
                    "--task", perStep.isEmpty() ? "classification" : "regression", "--hidden", "4", "--epochs", "1", "--out", m.toString()};
            if (!perStep.isEmpty()) {
                Npy.write(dir.resolve("ys.npy"), Tensor.zeros(40, 5));
                fit = ContractTest.append(fit, perStep);
            }
            assertEquals(0, ContractTest.run(fit).code(), perStep);
            ContractTest.run("quantize", "--model", m.toString(), "--out", q.toString(), "--precision", "int8", "--x", xpad)
                    .refused("--x", "xpad.npy", "NaN", "without --lengths");
            ContractTest.run("quantize", "--model", m.toString(), "--out", q.toString(), "--precision", "int8", "--lengths", lens)
                    .refused("--lengths", "expected --x too");
            assertFalse(Files.exists(q));
            ContractTest.Result quantized = ContractTest.run("quantize", "--model", m.toString(), "--out", q.toString(),
                    "--precision", "int8", "--x", xpad, "--lengths", lens);
            double printed = printedDifference(quantized);
            assertTrue(quantized.out().contains("(output ") && quantized.out().contains(", layer 0 h_n "), quantized.out());
            for (Path model : new Path[] {m, q}) {
                assertEquals(0, ContractTest.run("predict", "--model", model.toString(), "--x", xpad, "--lengths", lens,
                        "--out", model.resolve("p.npy").toString()).code());
            }
            double worst = largestDifference(m.resolve("p.npy"), q.resolve("p.npy"));
            assertTrue(worst > 0, perStep);
            worst = Math.max(worst, stateDifference(m, q, x, len, 5, 2));
            assertEquals(worst, printed, worst * 1e-2, perStep);  // printed to 3 significant digits
        }
    }

    /** A PyTorch state_dict: the lengths as infer takes them, pack_padded_sequence's, for a batched --x only. */
    @Test
    void aPyTorchStateDictIsMeasuredWithItsLengths(@TempDir Path out) throws Exception {
        Path f = InferCommandTest.fixture();  // LSTM, batch_first, bidirectional, 2 layers, proj_size; x [4, 6, 5], lengths [6 3 1 5]
        String x = f.resolve("x.npy").toString(), lens = f.resolve("lengths.npy").toString();
        Path q = out.resolve("q");
        double printed = printedDifference(ContractTest.run("quantize", "--model", f.resolve("m").toString(), "--out", q.toString(),
                "--precision", "int8", "--x", x, "--lengths", lens));
        for (String[] mo : new String[][] {{f.resolve("m").toString(), "fp32"}, {q.toString(), "int8"}}) {
            assertEquals(0, ContractTest.run("infer", "--model", mo[0], "--input", x, "--lengths", lens, "--out", out.resolve(mo[1]).toString()).code());
        }
        double worst = 0;  // over every output a streaming caller carries on
        for (String name : new String[] {"output.npy", "h_n.npy", "c_n.npy"}) {
            worst = Math.max(worst, largestDifference(out.resolve("fp32").resolve(name), out.resolve("int8").resolve(name)));
        }
        assertTrue(worst > 0);
        assertEquals(worst, printed, worst * 1e-2);
        Npy.write(out.resolve("one.npy"), Tensor.zeros(6, 5));
        Npy.writeLongs(out.resolve("one-len.npy"), new long[] {3}, 1);
        ContractTest.run("quantize", "--model", f.resolve("m").toString(), "--out", out.resolve("q2").toString(), "--precision", "int8",
                "--x", out.resolve("one.npy").toString(), "--lengths", out.resolve("one-len.npy").toString()).refused("--lengths", "unbatched");
        assertFalse(Files.exists(out.resolve("q2")));
    }
}
