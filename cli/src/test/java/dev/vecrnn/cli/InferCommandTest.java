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

    @Test
    void matchesPyTorch(@TempDir Path out) throws Exception {
        Path f = fixture();
        int code = Main.run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(),
                "--lengths", f.resolve("lengths.npy").toString(), "--out", out.toString());
        assertEquals(0, code);
        for (String[] pair : new String[][] {{"output.npy", "ref_out.npy"}, {"h_n.npy", "ref_h.npy"}, {"c_n.npy", "ref_c.npy"}}) {
            var got = Npy.read(out.resolve(pair[0]));
            var ref = Npy.read(f.resolve(pair[1]));
            assertArrayEquals(ref.shape(), got.shape(), pair[0]);
            float[] g = got.toFloats(), r = ref.toFloats();
            for (int i = 0; i < g.length; i++) assertEquals(r[i], g[i], 1e-5, pair[0] + "[" + i + "]");
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
}
