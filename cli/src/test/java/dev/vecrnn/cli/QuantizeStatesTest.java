package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * quantize of a PyTorch state_dict printed the largest difference of the output only, where a streaming caller
 * carries h_n and c_n on too: on the fixture's LSTM (two layers, bidirectional, proj_size 3) the int8 copy's output
 * was 7.8e-5 from fp32's and its c_n 2.8e-3. It prints each one's and names the largest. The figures here are taken
 * from infer's files of the fp32 model and of the quantized copy, not from quantize.
 */
class QuantizeStatesTest {

    private static final Pattern LINE = Pattern.compile("largest difference from fp32 on .*: (\\S+) in (\\S+) \\((.*)\\)");

    @Test
    void anLstmsLargestDifferenceIsOverOutputHnAndCn(@TempDir Path dir) throws Exception {
        Path f = InferCommandTest.fixture();  // x [4, 6, 5] batch first, lengths [6 3 1 5]
        String x = f.resolve("x.npy").toString(), lens = f.resolve("lengths.npy").toString();
        for (String precision : new String[] {"int8", "bf16"}) {
            Path q = dir.resolve(precision);
            ContractTest.Result r = ContractTest.run("quantize", "--model", f.resolve("m").toString(), "--out", q.toString(),
                    "--precision", precision, "--x", x, "--lengths", lens);
            Map<String, Double> measured = measured(dir, f.resolve("m"), q, x, lens);
            assertEquals(3, measured.size());
            assertPrinted(r, measured, precision);
        }
    }

    /** A GRU has no c_n: output and h_n. */
    @Test
    void aGrusIsOverOutputAndHn(@TempDir Path dir) throws Exception {
        Path m = Files.createDirectories(dir.resolve("gru"));
        // seq-first, two layers: h_n of the last layer is the last step's output, of the first layer it is not
        PyTorchFormat.write(new Recurrent(new RecurrentConfig(CellType.GRU, 3, 16, 2, true, false, false, 0f, 0), 7), m);
        float[] v = new float[20 * 5 * 3];
        Random rnd = new Random(3);
        for (int i = 0; i < v.length; i++) v[i] = 3f * rnd.nextFloat() - 1.5f;
        Path x = dir.resolve("x.npy");
        Npy.write(x, Tensor.of(v, 20, 5, 3));  // [T, B, F]
        Path q = dir.resolve("q");
        ContractTest.Result r = ContractTest.run("quantize", "--model", m.toString(), "--out", q.toString(), "--precision", "int8",
                "--x", x.toString());
        Map<String, Double> measured = measured(dir, m, q, x.toString(), null);
        assertEquals(2, measured.size());
        assertPrinted(r, measured, "gru int8");
    }

    /** The largest |quantized - fp32| of each file infer writes (output, h_n, c_n where there is one). */
    private static Map<String, Double> measured(Path dir, Path fp32, Path quantized, String x, String lengths) throws Exception {
        Map<Path, Path> outs = new LinkedHashMap<>();
        for (Path model : new Path[] {fp32, quantized}) {
            Path out = Files.createTempDirectory(dir, "infer-").resolve("out");
            String[] args = {"infer", "--model", model.toString(), "--input", x, "--out", out.toString()};
            if (lengths != null) args = ContractTest.append(args, "--lengths", lengths);
            assertEquals(0, ContractTest.run(args).code());
            outs.put(model, out);
        }
        Map<String, Double> each = new LinkedHashMap<>();
        for (String name : new String[] {"output", "h_n", "c_n"}) {
            Path a = outs.get(fp32).resolve(name + ".npy"), b = outs.get(quantized).resolve(name + ".npy");
            if (!Files.exists(a)) continue;
            float[] p = Npy.read(a).toFloats(), s = Npy.read(b).toFloats();
            assertEquals(p.length, s.length, name);
            double worst = 0;
            for (int i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs((double) p[i] - s[i]));
            each.put(name, worst);
        }
        return each;
    }

    /** A NaN in any output is the worst difference, named, whichever output it is in and in whichever order. */
    @Test
    void aNanIsTheWorstDifference() {
        Tensor out = Tensor.of(new float[] {0f, 1f}, 1, 1, 2), h = Tensor.of(new float[] {0f, 1f}, 1, 1, 2), c = Tensor.of(new float[] {0f, 1f}, 1, 1, 2);
        Tensor off = Tensor.of(new float[] {0.5f, 1f}, 1, 1, 2), nan = Tensor.of(new float[] {0f, Float.NaN}, 1, 1, 2);
        assertEquals("NaN in h_n (output 5.00e-01, h_n NaN, c_n 5.00e-01)",
                QuantizeCommand.differences(new Recurrent.Output(out, h, c), new Recurrent.Output(off, nan, off)));
        assertEquals("NaN in output (output NaN, h_n 5.00e-01, c_n NaN)",
                QuantizeCommand.differences(new Recurrent.Output(out, h, c), new Recurrent.Output(nan, off, nan)));
        assertEquals("NaN in c_n (output 0.00e+00, h_n 0.00e+00, c_n NaN)",
                QuantizeCommand.differences(new Recurrent.Output(out, h, c), new Recurrent.Output(out, h, nan)));
    }

    private static void assertPrinted(ContractTest.Result r, Map<String, Double> measured, String what) {
        assertEquals(0, r.code(), r.err());
        Matcher m = LINE.matcher(r.out());
        assertTrue(m.find(), r.out());
        String largest = null;
        for (var e : measured.entrySet()) {
            assertTrue(e.getValue() > 0, what + " " + e.getKey());
            if (largest == null || e.getValue() > measured.get(largest)) largest = e.getKey();
        }
        double worst = measured.get(largest);
        assertEquals(worst, Double.parseDouble(m.group(1)), worst * 1e-2, what + ": " + r.out());  // printed to 3 digits
        assertEquals(largest, m.group(2), what + ": " + r.out());
        String[] listed = m.group(3).split(", ");
        assertEquals(measured.size(), listed.length, what + ": " + r.out());
        int i = 0;
        for (var e : measured.entrySet()) {
            String[] nameValue = listed[i++].split(" ");
            assertEquals(e.getKey(), nameValue[0], what);
            assertEquals(e.getValue(), Double.parseDouble(nameValue[1]), e.getValue() * 1e-2, what + " " + e.getKey());
        }
        assertFalse(r.out().contains("largest output difference"), r.out());
    }
}
