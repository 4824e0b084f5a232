package dev.vecrnn.cli;

import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vecrnn infer} on a model made by PyTorch (scripts/make_cli_fixture.py), against PyTorch's outputs. */
class InferCommandTest {

    static Path fixture() throws URISyntaxException {
        return Path.of(InferCommandTest.class.getResource("/lstm-proj-bidir/x.npy").toURI()).getParent();
    }

    /**
     * The fixture's lengths, [6, 3, 1, 5], are not sorted: PyTorch's pack_padded_sequence refuses them by default
     * (enforce_sorted=True), and its references are those of enforce_sorted=False, which infer's outputs (h_n and
     * c_n in the batch's own order) equal.
     */
    @Test
    void matchesPyTorch(@TempDir Path out) throws Exception {
        Path f = fixture();
        int code = Main.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(),
                "--lengths", f.resolve("lengths.npy").toString(), "--out", out.toString());
        assertEquals(0, code);
        assertPyTorchsOutputs(out);
    }

    /** output.npy, h_n.npy and c_n.npy in {@code out} are PyTorch's for the fixture (its x and lengths) within 1e-5. */
    static void assertPyTorchsOutputs(Path out) throws Exception {
        Path f = fixture();
        for (String[] pair : new String[][] {{"output.npy", "ref_out.npy"}, {"h_n.npy", "ref_h.npy"}, {"c_n.npy", "ref_c.npy"}}) {
            var got = Npy.read(out.resolve(pair[0]));
            var ref = Npy.read(f.resolve(pair[1]));
            assertArrayEquals(ref.shape(), got.shape(), pair[0]);
            float[] g = got.toFloats(), r = ref.toFloats();
            for (int i = 0; i < g.length; i++) assertEquals(r[i], g[i], 1e-5, pair[0] + "[" + i + "]");
        }
    }

    /**
     * A state_dict saved on its own (safetensors' save_file of module.state_dict()) carries no module: infer said only
     * "config.json: no such file". It names what the directory lacks and both ways to make it, nothing written.
     */
    @Test
    void aStateDictWithoutItsConfigIsRefusedSayingWhatItNeeds(@TempDir Path out) throws Exception {
        Path f = fixture();
        Path m = Files.createDirectories(out.resolve("m"));
        Files.copy(f.resolve("m/model.safetensors"), m.resolve("model.safetensors"));
        ContractTest.run("infer", "--model", m.toString(), "--input", f.resolve("x.npy").toString(), "--out", out.resolve("o").toString())
                .refused("--model " + m + ": model.safetensors is no vecrnn model", "no config.json beside it", "\"type\": \"LSTM\"",
                        "scripts/export_pytorch.py");
        assertFalse(Files.exists(out.resolve("o")), "no output directory for a refused run");
    }

    /**
     * The same file given to quantize (which takes a state_dict directory with its config.json) and to predict said
     * only "not a vecrnn model file (...; a PyTorch state_dict needs its config.json)": they name the option and
     * what the directory lacks, with both ways to make it, as infer does; nothing written.
     */
    @Test
    void quantizeAndPredictSayWhatAStateDictWithoutItsConfigNeeds(@TempDir Path out) throws Exception {
        Path f = fixture();
        Path m = Files.createDirectories(out.resolve("m"));
        Files.copy(f.resolve("m/model.safetensors"), m.resolve("model.safetensors"));
        String[] says = {"--model " + m.resolve("model.safetensors") + ": not a vecrnn model file", "no config.json beside it",
                "\"type\": \"LSTM\"", "scripts/export_pytorch.py", "infer (or quantize) then takes the directory"};
        ContractTest.run("quantize", "--model", m.toString(), "--out", out.resolve("q").toString(), "--precision", "int8").refused(says);
        ContractTest.run("predict", "--model", m.toString(), "--x", f.resolve("x.npy").toString(), "--out", out.resolve("p.npy").toString())
                .refused(says);
        assertFalse(Files.exists(out.resolve("q")), "no output directory for a refused quantize");
        assertFalse(Files.exists(out.resolve("p.npy")), "no output for a refused predict");
    }

    /**
     * torch.nn.LSTM takes any dropout in [0, 1] (torch 1.13 builds LSTM(4, 8, num_layers=2, dropout=1.0)), and dropout
     * does nothing at inference; infer refused a config.json of "dropout": 1 ("expected in [0, 1)"). It runs now,
     * with PyTorch's outputs; what PyTorch refuses (negative, above 1, a bool) is still refused, naming config.json
     * and the key, nothing written.
     */
    @Test
    void takesADropoutOfOneAsPyTorchDoes(@TempDir Path out) throws Exception {
        Path f = fixture();
        String config = Files.readString(f.resolve("m/config.json"));
        Path m = Files.createDirectories(out.resolve("m"));
        Files.copy(f.resolve("m/model.safetensors"), m.resolve("model.safetensors"));
        for (String p : new String[] {"1", "1.0"}) {
            Files.writeString(m.resolve("config.json"), config.replace("}", ", \"dropout\": " + p + "}"));
            Path o = out.resolve("o" + p);
            assertEquals(0, Main.run("infer", "--model", m.toString(), "--input", f.resolve("x.npy").toString(),
                    "--lengths", f.resolve("lengths.npy").toString(), "--out", o.toString()));
            assertPyTorchsOutputs(o);
        }
        for (String p : new String[] {"-0.1", "1.0000001", "true"}) {
            Files.writeString(m.resolve("config.json"), config.replace("}", ", \"dropout\": " + p + "}"));
            ContractTest.run("infer", "--model", m.toString(), "--input", f.resolve("x.npy").toString(), "--out", out.resolve("no").toString())
                    .refused(m.resolve("config.json") + ": 'dropout' expected a");
            assertFalse(Files.exists(out.resolve("no")), "no output directory for a refused run");
        }
    }

    /**
     * np.save of a column-major array (a transposed one, or np.asfortranarray) writes fortran_order True;
     * torch.from_numpy takes such an array as it is, so infer must too, with the same outputs. It refused
     * the file ('fortran_order True (column-major) is not supported').
     */
    @Test
    void takesAnInputSavedInFortranOrder(@TempDir Path out) throws Exception {
        Path f = fixture();
        var x = Npy.read(f.resolve("x.npy"));
        int[] s = x.shape();
        float[] v = x.toFloats();
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < s[2]; k++) for (int j = 0; j < s[1]; j++) for (int i = 0; i < s[0]; i++) data.putFloat(v[(i * s[1] + j) * s[2] + k]);
        String dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (" + s[0] + ", " + s[1] + ", " + s[2] + "), }";
        String header = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        file.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
        file.write(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        file.write(data.array());
        Path xf = Files.write(out.resolve("x_fortran.npy"), file.toByteArray());
        Path o = out.resolve("o");
        assertEquals(0, Main.run("infer", "--model", f.resolve("m").toString(), "--input", xf.toString(),
                "--lengths", f.resolve("lengths.npy").toString(), "--out", o.toString()));
        Path c = out.resolve("c");
        assertEquals(0, Main.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(),
                "--lengths", f.resolve("lengths.npy").toString(), "--out", c.toString()));
        for (String name : new String[] {"output.npy", "h_n.npy", "c_n.npy"}) {
            assertEquals(Npy.read(c.resolve(name)).toTensor(), Npy.read(o.resolve(name)).toTensor(), name);
        }
    }

    /**
     * quantize takes a PyTorch state_dict too and writes it back in PyTorch's layout with int8 (bf16) weights;
     * infer runs that with the module's options (here batch_first, bidirectional, two layers, proj_size,
     * lengths) and PyTorch's outputs, within issue 16's bounds of PyTorch's own fp32 outputs (2e-2 int8,
     * 1e-2 bf16) for this unit-scale input. A second quantize of the copy is refused.
     */
    @Test
    void quantizeTakesAPyTorchStateDictAndInferRunsTheCopy(@TempDir Path out) throws Exception {
        Path f = fixture();
        for (String[] pb : new String[][] {{"int8", "2e-2"}, {"bf16", "1e-2"}}) {
            Path q = out.resolve(pb[0]);
            assertEquals(0, Main.run("quantize", "--model", f.resolve("m").toString(), "--out", q.toString(), "--precision", pb[0]));
            assertTrue(java.nio.file.Files.size(q.resolve("model.safetensors")) < java.nio.file.Files.size(f.resolve("m/model.safetensors")));
            Path o = out.resolve(pb[0] + "-out");
            assertEquals(0, Main.run("infer", "--model", q.toString(), "--input", f.resolve("x.npy").toString(),
                    "--lengths", f.resolve("lengths.npy").toString(), "--out", o.toString()));
            double worst = 0;
            for (String[] pair : new String[][] {{"output.npy", "ref_out.npy"}, {"h_n.npy", "ref_h.npy"}, {"c_n.npy", "ref_c.npy"}}) {
                var got = Npy.read(o.resolve(pair[0]));
                var ref = Npy.read(f.resolve(pair[1]));
                assertArrayEquals(ref.shape(), got.shape(), pair[0]);
                float[] g = got.toFloats(), r = ref.toFloats();
                for (int i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(r[i] - g[i]));
            }
            assertTrue(worst <= Double.parseDouble(pb[1]) && worst > 0, pb[0] + ": largest difference from PyTorch " + worst);
            assertEquals(2, Main.run("quantize", "--model", q.toString(), "--out", out.resolve("again").toString(), "--precision", "int8"));
        }
    }

    @Test
    void errorsAreOneLineWithExitCode2AndNoOutput(@TempDir Path out) throws Exception {
        Path f = fixture();
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        int code;
        try {
            code = Main.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("lengths.npy").toString(),
                    "--out", out.resolve("o").toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(2, code);
        String msg = err.toString().trim();
        assertTrue(msg.startsWith("vecrnn infer: ") && msg.contains("lengths.npy") && !msg.contains("\n"), msg);
        assertFalse(Files.exists(out.resolve("o")), "no output directory for a failed run");
        assertEquals(2, Main.run("infer", "--model", out.resolve("missing").toString(), "--input", "x", "--out", "y"));
        assertEquals(2, Main.run("infer", "--bogus"));
    }

    /**
     * PyTorch's LSTM takes its initial state as the pair hx = (h_0, c_0): one without the other is refused,
     * naming the one given, where it used to run with zeros for the other. Both together run.
     */
    @Test
    void anLstmTakesH0AndC0TogetherOrNeither(@TempDir Path out) throws Exception {
        Path f = fixture();
        String h = f.resolve("ref_h.npy").toString(), c = f.resolve("ref_c.npy").toString();
        for (String[] given : new String[][] {{"--h0", h}, {"--c0", c}}) {
            ContractTest.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(),
                    given[0], given[1], "--out", out.resolve("o").toString()).refused(given[0] + " ", "both h_0 and c_0");
            assertFalse(Files.exists(out.resolve("o")), "no output directory for a refused run");
        }
        assertEquals(0, Main.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(),
                "--h0", h, "--c0", c, "--out", out.resolve("both").toString()));
    }

    /**
     * infer runs a vecrnn model file too, as predict does, and took --h0 and --c0 there without a word:
     * the outputs were those from zeros, as if the options had not been given. Each is refused, naming it,
     * with nothing written; without them the file runs.
     */
    @Test
    void aVecrnnModelFileRefusesAnInitialState(@TempDir Path out) throws Exception {
        Path model = out.resolve("fitted.safetensors");
        dev.vecrnn.nn.format.ModelFile.save(dev.vecrnn.nn.model.Model.builder(2).gru(3).lastStep().dense(1).seed(4).build(), model);
        Path x = out.resolve("x.npy"), h = out.resolve("h0.npy");
        Npy.write(x, dev.vecrnn.nn.Tensor.of(new float[] {0.5f, -1f, 0.25f, 2f, 1f, 0f}, 1, 3, 2));
        Npy.write(h, dev.vecrnn.nn.Tensor.of(new float[] {0.9f, 0.9f, 0.9f}, 1, 1, 3));
        for (String[] given : new String[][] {{"--h0", h.toString()}, {"--c0", h.toString()}, {"--h0", h.toString(), "--c0", h.toString()}}) {
            String[] args = {"infer", "--model", model.toString(), "--input", x.toString(), "--out", out.resolve("o").toString()};
            String[] all = java.util.Arrays.copyOf(args, args.length + given.length);
            System.arraycopy(given, 0, all, args.length, given.length);
            ContractTest.run(all).refused(given[0] + " " + h, "takes no initial state");
            assertFalse(Files.exists(out.resolve("o")), "no output directory for a refused run");
        }
        assertEquals(0, Main.run("infer", "--model", model.toString(), "--input", x.toString(), "--out", out.resolve("o").toString()));
        assertArrayEquals(new int[] {1, 1}, Npy.read(out.resolve("o/output.npy")).shape());
    }

    /**
     * nn.LSTM refuses an input or state of another dtype than its weights' ("mat1 and mat2 must have the same
     * dtype", torch 1.13); infer ran int64, int32, uint8 and bool arrays as if they were features. Each is refused
     * naming the option and the dtype, nothing written. A float64 input runs, rounded as x.float() rounds it: the
     * outputs are those of the float32 array numpy's astype(np.float32) makes, bit for bit.
     */
    @Test
    void refusesIntegerAndBoolInputsAsPyTorchDoes(@TempDir Path out) throws Exception {
        Path f = fixture();
        dev.vecrnn.nn.Tensor x = Npy.read(f.resolve("x.npy")).toTensor();
        float[] v = x.data();
        long[] whole = new long[v.length];
        int[] small = new int[v.length];
        byte[] bools = new byte[v.length], bytes = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            whole[i] = Math.round(v[i] * 3);
            small[i] = (int) whole[i];
            bools[i] = (byte) (v[i] > 0 ? 1 : 0);
            bytes[i] = (byte) Math.abs(whole[i]);
        }
        dev.vecrnn.nn.io.TensorData[] arrays = {dev.vecrnn.nn.io.TensorData.longs(whole, x.shape()), dev.vecrnn.nn.io.TensorData.ints(small, x.shape()),
                dev.vecrnn.nn.io.TensorData.ofBytes(dev.vecrnn.nn.io.DType.BOOL, bools, x.shape()),
                dev.vecrnn.nn.io.TensorData.ofBytes(dev.vecrnn.nn.io.DType.U8, bytes, x.shape())};
        String[] names = {"int64", "int32", "bool", "uint8"};
        for (int k = 0; k < arrays.length; k++) {
            Path xf = out.resolve("x-" + names[k] + ".npy");
            Npy.write(xf, arrays[k]);
            ContractTest.run("infer", "--model", f.resolve("m").toString(), "--input", xf.toString(), "--out", out.resolve("o").toString())
                    .refused("--input " + xf, "expected floating-point values", "got " + names[k]);
            assertFalse(Files.exists(out.resolve("o")), "no output directory for a refused run");
            // quantize measures its error on --x the same way, so it takes the same inputs
            ContractTest.run("quantize", "--model", f.resolve("m").toString(), "--x", xf.toString(), "--out", out.resolve("q").toString(),
                    "--precision", "int8").refused("--x " + xf, "expected floating-point values", "got " + names[k]);
            assertFalse(Files.exists(out.resolve("q")), "no output directory for a refused quantize");
        }
        Path h0 = out.resolve("h0.npy"), c0 = out.resolve("c0.npy");
        Npy.write(h0, dev.vecrnn.nn.io.TensorData.longs(new long[4 * 4 * 3], 4, 4, 3));
        Npy.write(c0, dev.vecrnn.nn.Tensor.of(new float[4 * 4 * 7], 4, 4, 7));
        ContractTest.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(), "--h0", h0.toString(),
                "--c0", c0.toString(), "--out", out.resolve("o").toString()).refused("--h0 " + h0, "got int64");

        double[] wide = new double[v.length];
        float[] narrowed = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            wide[i] = v[i] + 0.3 * Math.ulp(v[i]) * (i % 5 - 2);  // between floats, some nearer the next one: rounding decides
            narrowed[i] = (float) wide[i];
        }
        Path xd = out.resolve("x64.npy"), xs = out.resolve("x32.npy");
        Npy.write(xd, dev.vecrnn.nn.io.TensorData.doubles(wide, x.shape()));
        Npy.write(xs, dev.vecrnn.nn.Tensor.of(narrowed, x.shape()));
        assertEquals(0, Main.run("infer", "--model", f.resolve("m").toString(), "--input", xd.toString(), "--out", out.resolve("d").toString()));
        assertEquals(0, Main.run("infer", "--model", f.resolve("m").toString(), "--input", xs.toString(), "--out", out.resolve("s").toString()));
        for (String name : new String[] {"output.npy", "h_n.npy", "c_n.npy"}) {
            assertEquals(Npy.read(out.resolve("s").resolve(name)).toTensor(), Npy.read(out.resolve("d").resolve(name)).toTensor(), name);
        }
    }

    /**
     * A float64 input or initial state holding a value beyond float32's range (1e39) was refused as "got -Infinity":
     * x.float() makes it infinite, and the line named a value the file does not hold. It names the file's value,
     * where it is and that it overflows float32, for infer's --input and --h0 and for quantize's --x.
     */
    @Test
    void aFloat64BeyondFloat32sRangeIsNamedAsTheFileHoldsIt(@TempDir Path out) throws Exception {
        Path f = fixture();
        float[] v = Npy.read(f.resolve("x.npy")).toFloats();
        double[] wide = new double[v.length];
        for (int i = 0; i < v.length; i++) wide[i] = v[i];
        wide[(1 * 6 + 4) * 5 + 3] = -1e39;  // sequence 1, step 4, feature 3 of [4, 6, 5] (batch_first)
        Path xd = out.resolve("x64.npy"), h0 = out.resolve("h0.npy"), c0 = out.resolve("c0.npy");
        Npy.write(xd, dev.vecrnn.nn.io.TensorData.doubles(wide, 4, 6, 5));
        double[] h = new double[4 * 4 * 3];
        h[(2 * 4 + 1) * 3] = 1e39;  // [2, 1, 0]
        Npy.write(h0, dev.vecrnn.nn.io.TensorData.doubles(h, 4, 4, 3));
        Npy.write(c0, dev.vecrnn.nn.Tensor.zeros(4, 4, 7));
        String overflows = "a float64 that overflows float32 (largest 3.4028235E38)";
        ContractTest.run("infer", "--model", f.resolve("m").toString(), "--input", xd.toString(), "--out", out.resolve("o").toString())
                .refused("--input " + xd, "got -1.0E39 at sequence 1, step 4, feature 3", overflows, "-Infinity");
        ContractTest.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(), "--h0", h0.toString(),
                "--c0", c0.toString(), "--out", out.resolve("o").toString()).refused("--h0 " + h0, "got 1.0E39 at element 27 [2, 1, 0]", overflows);
        ContractTest.run("quantize", "--model", f.resolve("m").toString(), "--x", xd.toString(), "--out", out.resolve("q").toString(),
                "--precision", "int8").refused("--x " + xd, "got -1.0E39 at sequence 1, step 4, feature 3", overflows);
        assertFalse(Files.exists(out.resolve("o")) || Files.exists(out.resolve("q")), "nothing from a refused run");
        // past sequence 1's length of 3 ([6, 3, 1, 5]): padding, never read
        assertEquals(0, Main.run("infer", "--model", f.resolve("m").toString(), "--input", xd.toString(), "--lengths",
                f.resolve("lengths.npy").toString(), "--out", out.resolve("o").toString()));
    }

    /**
     * pack_padded_sequence takes int64 lengths; torch.as_tensor turns a bool array into lengths of 0 and 1, which
     * are no lengths anyone meant. infer ran bool lengths as 1s. Refused naming --lengths; int64 ones run.
     */
    @Test
    void refusesBoolLengths(@TempDir Path out) throws Exception {
        Path f = fixture();
        Path lf = out.resolve("lengths-bool.npy");
        Npy.write(lf, dev.vecrnn.nn.io.TensorData.ofBytes(dev.vecrnn.nn.io.DType.BOOL, new byte[] {1, 1, 1, 1}, 4));
        ContractTest.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(), "--lengths", lf.toString(),
                "--out", out.resolve("o").toString()).refused("--lengths " + lf, "expected integer lengths", "got bool");
        assertFalse(Files.exists(out.resolve("o")), "no output directory for a refused run");
    }

    /**
     * An unbatched input [T, I] has no batch dimension for pack_padded_sequence to take lengths along (PyTorch
     * refuses: "Expected len(lengths) to be equal to batch_size"); infer ran it with the one length. Refused
     * naming --lengths, nothing written; the same sequence as a batch of one, [1, T, I] here (batch_first), runs.
     */
    @Test
    void refusesLengthsForAnUnbatchedInput(@TempDir Path out) throws Exception {
        Path f = fixture();
        dev.vecrnn.nn.Tensor x = Npy.read(f.resolve("x.npy")).toTensor();
        float[] one = java.util.Arrays.copyOf(x.data(), 6 * 5);
        Path xu = out.resolve("x1.npy"), xb = out.resolve("x1b.npy"), lf = out.resolve("l.npy");
        Npy.write(xu, dev.vecrnn.nn.Tensor.of(one, 6, 5));
        Npy.write(xb, dev.vecrnn.nn.Tensor.of(one, 1, 6, 5));
        Npy.writeInts(lf, new int[] {4}, 1);
        ContractTest.run("infer", "--model", f.resolve("m").toString(), "--input", xu.toString(), "--lengths", lf.toString(),
                "--out", out.resolve("o").toString()).refused("--lengths " + lf, "unbatched", "[1, T, I]");
        assertFalse(Files.exists(out.resolve("o")), "no output directory for a refused run");
        assertEquals(0, Main.run("infer", "--model", f.resolve("m").toString(), "--input", xb.toString(), "--lengths", lf.toString(),
                "--out", out.resolve("o").toString()));
    }
}
