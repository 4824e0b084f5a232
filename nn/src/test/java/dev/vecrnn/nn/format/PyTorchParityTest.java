package dev.vecrnn.nn.format;

import dev.vecrnn.nn.FixtureFiles;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;

/**
 * Holds {@link Recurrent} against {@code torch.nn.LSTM}/{@code GRU}/{@code RNN} on the fixtures in
 * {@code src/test/resources/pytorch/} (written by {@code scripts/make_pytorch_fixtures.py}; this test
 * needs no Python).
 *
 * <p>Each fixture holds a PyTorch state_dict ({@code param.*}), inputs ({@code x}, optional {@code h0},
 * {@code c0}, {@code lengths}), the float64 forward results ({@code output}, {@code h_n}, {@code c_n}),
 * upstream gradients ({@code dout}, {@code dh_n}, {@code dc_n}) and the float64 gradients
 * ({@code grad.x}, {@code grad.h0}, {@code grad.c0}, {@code grad.<param>}) of the scalar loss
 * {@code sum(output * dout) + sum(h_n * dh_n) [+ sum(c_n * dc_n)]}; that is, the gradients are what
 * {@link Recurrent#backward} returns and accumulates when fed {@code dout}, {@code dh_n}, {@code dc_n}.
 *
 * <p>Tolerance: every element must satisfy {@code |actual - ref| <= 1e-5 * max(1, |ref|)} (absolute
 * below magnitude 1, relative above), with {@code ref} read as double. The float64 references are exact
 * math on the stored float32 values; the generator rejects seeds where PyTorch's own float32 run misses
 * them by more than 2e-6. The inference path ({@link Recurrent#forward}) and the training path
 * ({@link Recurrent#forwardTrain}, dropout 0) must agree within 1e-6 on the same scale.
 *
 * <p>Without a given h0 (or c0) there is no reference for dh0 (dc0); only its shape is checked.
 */
class PyTorchParityTest {

    /** Absolute tolerance below |ref| = 1, relative above. */
    static final double TOL = 1e-5;
    /** The inference path and the training path compute the same function; they may differ only by rounding. */
    static final double PATH_TOL = 1e-6;
    static final int EXPECTED_MIN_FIXTURES = 40;

    @TestFactory
    Stream<DynamicNode> pytorchParity() throws IOException, URISyntaxException {
        return FixtureFiles.safetensors("pytorch", EXPECTED_MIN_FIXTURES, "scripts/make_pytorch_fixtures.py").stream()
                .map(PyTorchParityTest::caseOf);
    }

    private static DynamicNode caseOf(Path file) {
        String name = file.getFileName().toString().replace(".safetensors", "");
        // Each check loads the fixture itself, so one failing check does not hide the others.
        return DynamicContainer.dynamicContainer(name, Stream.of(
                DynamicTest.dynamicTest("forward", () -> new Case(file).checkForward()),
                DynamicTest.dynamicTest("forwardTrain == forward", () -> new Case(file).checkTrainMatchesInference()),
                DynamicTest.dynamicTest("backward", () -> new Case(file).checkBackward())));
    }

    /** One fixture, loaded into a fresh {@link Recurrent}. */
    static final class Case {
        final String name;
        final Fixture fx;
        final RecurrentConfig config;
        final Recurrent rnn;
        final Tensor x;
        final Tensor h0;
        final Tensor c0;
        final int[] lengths;
        final boolean lstm;

        Case(Path file) throws IOException {
            this.name = file.getFileName().toString();
            this.fx = Fixture.read(file);
            Map<String, String> m = fx.metadata;
            CellType type = CellType.valueOf(meta(m, "type"));
            this.lstm = type == CellType.LSTM;
            this.config = new RecurrentConfig(type, Integer.parseInt(meta(m, "input_size")),
                    Integer.parseInt(meta(m, "hidden_size")), Integer.parseInt(meta(m, "num_layers")),
                    bool(m, "bias"), bool(m, "batch_first"), bool(m, "bidirectional"), 0f,
                    Integer.parseInt(meta(m, "proj_size")));
            this.rnn = new Recurrent(config, 42L);
            Map<String, Tensor> sd = new LinkedHashMap<>();
            for (String n : fx.names()) {
                if (n.startsWith("param.")) sd.put(n.substring("param.".length()), fx.tensor(n));
            }
            rnn.loadStateDict(sd);
            this.x = fx.tensor("x");
            this.h0 = bool(m, "has_h0") ? fx.tensor("h0") : null;
            this.c0 = bool(m, "has_c0") ? fx.tensor("c0") : null;
            this.lengths = bool(m, "has_lengths") ? fx.ints("lengths") : null;
        }

        /** Mismatches found so far; each check reports all of them at once. */
        final List<String> failures = new ArrayList<>();

        void checkForward() {
            Recurrent.Output out = rnn.forward(x, lengths, h0, c0);
            check("output", fx.ref("output"), out.output(), TOL);
            check("h_n", fx.ref("h_n"), out.hN(), TOL);
            if (lstm) {
                check("c_n", fx.ref("c_n"), out.cN(), TOL);
            } else if (out.cN() != null) {
                failures.add("c_n: expected null for " + config.type() + ", got " + out.cN());
            }
            report("forward differs from PyTorch");
        }

        void checkTrainMatchesInference() {
            Recurrent.Output inf = rnn.forward(x, lengths, h0, c0);
            Recurrent.Trace tr = rnn.forwardTrain(x, lengths, h0, c0, new Random(7));
            check("forwardTrain output vs forward", Ref.of(inf.output()), tr.output(), PATH_TOL);
            check("forwardTrain h_n vs forward", Ref.of(inf.hN()), tr.hN(), PATH_TOL);
            if (lstm) {
                if (inf.cN() == null) failures.add("forward c_n: expected a tensor for LSTM, got null");
                else check("forwardTrain c_n vs forward", Ref.of(inf.cN()), tr.cN(), PATH_TOL);
            } else if (tr.cN() != null) {
                failures.add("trace c_n: expected null for " + config.type() + ", got " + tr.cN());
            }
            // and the training path on its own against PyTorch
            check("forwardTrain output", fx.ref("output"), tr.output(), TOL);
            check("forwardTrain h_n", fx.ref("h_n"), tr.hN(), TOL);
            if (lstm) check("forwardTrain c_n", fx.ref("c_n"), tr.cN(), TOL);
            report("training forward differs from inference forward or PyTorch");
        }

        void checkBackward() {
            rnn.zeroGrad();
            Recurrent.Trace tr = rnn.forwardTrain(x, lengths, h0, c0, new Random(7));
            Recurrent.InputGrads g = rnn.backward(tr, fx.tensor("dout"), fx.tensor("dh_n"),
                    lstm ? fx.tensor("dc_n") : null);
            check("grad.x", fx.ref("grad.x"), g.dx(), TOL);

            int[] hShape = {config.numLayers() * config.directions(), x.dim(config.batchFirst() ? 0 : 1),
                    config.outputHidden()};
            int[] cShape = {hShape[0], hShape[1], config.hiddenSize()};
            if (h0 != null) {
                check("grad.h0", fx.ref("grad.h0"), g.dh0(), TOL);
            } else if (g.dh0() != null && !Arrays.equals(hShape, g.dh0().shape())) {
                // no reference without a given h0: only the shape is checked
                failures.add("dh0: expected shape " + Arrays.toString(hShape) + ", got " + Arrays.toString(g.dh0().shape()));
            }
            if (c0 != null) {
                check("grad.c0", fx.ref("grad.c0"), g.dc0(), TOL);
            } else if (lstm && g.dc0() != null && !Arrays.equals(cShape, g.dc0().shape())) {
                failures.add("dc0: expected shape " + Arrays.toString(cShape) + ", got " + Arrays.toString(g.dc0().shape()));
            }

            Map<String, Tensor> grads = rnn.gradDict();
            TreeSet<String> expected = new TreeSet<>();
            for (String n : fx.names()) {
                if (n.startsWith("param.")) expected.add(n.substring("param.".length()));
            }
            if (!expected.equals(new TreeSet<>(grads.keySet()))) {
                failures.add("gradDict names: expected " + expected + ", got " + new TreeSet<>(grads.keySet()));
            }
            for (String p : expected) check("grad." + p, fx.ref("grad." + p), grads.get(p), TOL);
            report("gradients differ from PyTorch's autograd");
        }

        void check(String what, Ref ref, Tensor actual, double tol) {
            String msg = mismatch(what, ref, actual, tol);
            if (msg != null) failures.add(msg);
        }

        void report(String headline) {
            if (!failures.isEmpty()) fail(name + ": " + headline + ":\n  " + String.join("\n  ", failures));
        }
    }

    /** The largest {@code |actual - ref| / max(1, |ref|)} (infinite for NaN, a missing tensor or a shape mismatch). */
    static double worstScaledError(Ref ref, Tensor actual) {
        if (actual == null || !Arrays.equals(ref.shape(), actual.shape())) return Double.POSITIVE_INFINITY;
        double[] r = ref.data();
        float[] a = actual.data();
        double worst = 0.0;
        for (int i = 0; i < r.length; i++) {
            double e = Math.abs(a[i] - r[i]) / Math.max(1.0, Math.abs(r[i]));
            if (!(e <= worst)) worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
        }
        return worst;
    }

    /** Null when every element is within {@code tol * max(1, |ref|)}, else a description of the worst one. */
    static String mismatch(String what, Ref ref, Tensor actual, double tol) {
        if (actual == null) return what + ": expected shape " + Arrays.toString(ref.shape()) + ", got null";
        if (!Arrays.equals(ref.shape(), actual.shape())) {
            return what + ": expected shape " + Arrays.toString(ref.shape()) + ", got " + Arrays.toString(actual.shape());
        }
        double[] r = ref.data();
        float[] a = actual.data();
        int worst = -1;
        double worstRatio = 0.0;
        int bad = 0;
        for (int i = 0; i < r.length; i++) {
            double scale = Math.max(1.0, Math.abs(r[i]));
            double err = Math.abs(a[i] - r[i]);
            if (!(err <= tol * scale)) { // also catches NaN
                bad++;
                double ratio = err / scale;
                if (worst < 0 || !(ratio <= worstRatio)) {
                    worst = i;
                    worstRatio = ratio;
                }
            }
        }
        if (bad == 0) return null;
        return String.format("%s: %d of %d elements off by more than %.0e * max(1, |ref|); worst at %s: expected %.8g, got %.8g",
                what, bad, r.length, tol, index(ref.shape(), worst), r[worst], (double) a[worst]);
    }

    /** A reference tensor in double precision (F64 fixtures exactly; float tensors widened). */
    record Ref(int[] shape, double[] data) {
        static Ref of(Tensor t) {
            float[] f = t.data();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return new Ref(t.shape(), d);
        }
    }

    static String index(int[] shape, int flat) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return Arrays.toString(idx);
    }

    static String meta(Map<String, String> m, String key) {
        String v = m.get(key);
        assertNotNull(v, "fixture metadata: expected key '" + key + "', got keys " + m.keySet());
        return v;
    }

    static boolean bool(Map<String, String> m, String key) {
        String v = meta(m, key);
        assertTrue(v.equals("true") || v.equals("false"), "fixture metadata: " + key + ": expected true/false, got " + v);
        return v.equals("true");
    }

    /** A fixture file, read with the library's {@link SafeTensors} reader (strict: no holes, no unknown fields). */
    static final class Fixture {
        final Map<String, String> metadata;
        private final SafeTensors.Contents contents;

        private Fixture(SafeTensors.Contents contents) {
            this.contents = contents;
            this.metadata = contents.metadata();
        }

        static Fixture read(Path file) throws IOException {
            return new Fixture(SafeTensors.read(file));
        }

        List<String> names() {
            return new ArrayList<>(contents.names());
        }

        TensorData entry(String name) {
            assertTrue(contents.contains(name), "fixture: expected tensor '" + name + "', have " + new TreeSet<>(contents.names()));
            return contents.get(name);
        }

        /** As float32 (F64 rounded to nearest), for feeding vecrnn. */
        Tensor tensor(String name) {
            return entry(name).toTensor();
        }

        /** A reference, exactly as stored. */
        Ref ref(String name) {
            TensorData t = entry(name);
            return new Ref(t.shape(), t.toDoubles());
        }

        int[] ints(String name) {
            TensorData t = entry(name);
            assertEquals(DType.I64, t.dtype(), "fixture: " + name + ": dtype");
            return t.toInts();
        }
    }

    /** A guard against a fixture directory silently losing its reference tensors. */
    @Test
    void fixturesAreComplete() throws IOException, URISyntaxException {
        URL dir = PyTorchParityTest.class.getClassLoader().getResource("pytorch");
        assertNotNull(dir, "test resources: expected a 'pytorch' directory");
        try (Stream<Path> s = Files.list(Path.of(dir.toURI()))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                Fixture fx = Fixture.read(p);
                boolean lstm = "LSTM".equals(fx.metadata.get("type"));
                List<String> required = new ArrayList<>(List.of("x", "output", "h_n", "dout", "dh_n", "grad.x"));
                if (lstm) required.addAll(List.of("c_n", "dc_n"));
                if ("true".equals(fx.metadata.get("has_h0"))) required.addAll(List.of("h0", "grad.h0"));
                if ("true".equals(fx.metadata.get("has_c0"))) required.addAll(List.of("c0", "grad.c0"));
                if ("true".equals(fx.metadata.get("has_lengths"))) required.add("lengths");
                List<String> names = fx.names();
                for (String r : required) assertTrue(names.contains(r), p.getFileName() + ": expected tensor " + r);
                long params = names.stream().filter(n -> n.startsWith("param.")).count();
                assertFalse(params == 0, p.getFileName() + ": expected param.* tensors");
                for (String n : names) {
                    if (n.startsWith("param.")) {
                        String g = "grad." + n.substring("param.".length());
                        assertTrue(names.contains(g), p.getFileName() + ": expected " + g);
                        assertArrayEquals(fx.entry(n).shape(), fx.entry(g).shape(), p.getFileName() + ": " + g + " shape");
                    }
                }
            }
        }
    }
}
