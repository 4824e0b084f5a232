package dev.vecrnn.nn.format;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.FixtureFiles;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.BceWithLogitsLoss;
import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Sgd;
import dev.vecrnn.nn.train.Trainer;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
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
import org.junit.jupiter.api.TestFactory;

/**
 * Holds whole {@link Model}s (an embedding or float input, recurrent stacks, the last-step or attention head,
 * dense layers) and {@link Trainer} against PyTorch on the fixtures in {@code src/test/resources/pytorch-model/},
 * written by {@code scripts/make_model_fixtures.py} (its docstring says what a file holds; this test needs no
 * Python). For each fixture:
 *
 * <ul>
 *   <li>the Model API: the training forward's output (valid steps), then {@code backward} fed d(loss)/d(output)
 *       gives every parameter's gradient and, for a float input, the input's;</li>
 *   <li>the Trainer: one epoch of one batch under the fixture's built-in loss (weighted by its class or positive
 *       weights where it has them) with {@link Sgd}: the gradients it
 *       leaves, the loss it reports, the weights after the step and the validation loss at those weights (the
 *       same batch, by the inference forward);</li>
 *   <li>two backward calls (the batch split in two) without {@code zeroGrad} between accumulate the sum;</li>
 *   <li>where the fixture has {@code tbptt}, the weights after {@link Trainer#tbptt} over the batch (PyTorch:
 *       the carried state detached between windows, an SGD step after each).</li>
 * </ul>
 *
 * <p>The tolerance is {@link PyTorchParityTest}'s: {@code |actual - ref| <= 1e-5 * max(1, |ref|)}, references
 * being float64 autograd on the stored float32 values.
 */
class ModelTorchParityTest {

    static final double TOL = PyTorchParityTest.TOL;
    static final int EXPECTED_MIN_FIXTURES = 10;

    @TestFactory
    Stream<DynamicNode> modelParity() throws IOException, URISyntaxException {
        return FixtureFiles.safetensors("pytorch-model", EXPECTED_MIN_FIXTURES, "scripts/make_model_fixtures.py").stream()
                .map(ModelTorchParityTest::caseOf);
    }

    private static DynamicNode caseOf(Path file) {
        String name = file.getFileName().toString().replace(".safetensors", "");
        List<DynamicNode> tests = new ArrayList<>(List.of(
                DynamicTest.dynamicTest("forward and backward", () -> new Case(file).run(Case::checkModelApi)),
                DynamicTest.dynamicTest("trainer: loss gradients and SGD step", () -> new Case(file).run(Case::checkTrainer)),
                DynamicTest.dynamicTest("two backward calls accumulate", () -> new Case(file).run(Case::checkAccumulation))));
        try {
            if (!PyTorchParityTest.meta(PyTorchParityTest.Fixture.read(file).metadata, "tbptt").isEmpty()) {
                tests.add(DynamicTest.dynamicTest("tbptt", () -> new Case(file).run(Case::checkTbptt)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return DynamicContainer.dynamicContainer(name, tests);
    }

    /** For the search ({@link #main}): the worst {@code |actual - ref| / max(1, |ref|)} checked, and where. */
    static double worstSeen;
    static String worstSeenAt = "-";

    /** One fixture: the model it describes, its data and references. */
    static final class Case {
        final String name;
        final PyTorchParityTest.Fixture fx;
        final Map<String, String> m;
        final int inputFeatures;
        final int batch;
        final int steps;
        final int[] lengths;
        final float[] x;
        final boolean perStep;
        final boolean classes;
        final List<String> failures = new ArrayList<>();
        /** The trainer's threads (1 in the test; the search sets more). */
        int threads = 1;

        Case(Path file) throws IOException {
            this.name = file.getFileName().toString();
            this.fx = PyTorchParityTest.Fixture.read(file);
            this.m = fx.metadata;
            this.inputFeatures = Integer.parseInt(PyTorchParityTest.meta(m, "input_features"));
            int[] xs = fx.entry("x").shape();
            this.batch = xs[0];
            this.steps = xs[1];
            this.x = fx.entry("x").toFloats();
            this.lengths = PyTorchParityTest.bool(m, "has_lengths") ? fx.ints("lengths") : null;
            this.perStep = PyTorchParityTest.bool(m, "per_step");
            this.classes = PyTorchParityTest.meta(m, "loss").equals("ce");
        }

        void run(java.util.function.Consumer<Case> check) {
            check.accept(this);
            if (!failures.isEmpty()) fail(name + ": differs from PyTorch:\n  " + String.join("\n  ", failures));
        }

        /** A fresh model of the fixture's layers, holding its weights. */
        Model model() {
            return modelOf(fx, inputFeatures, name);
        }

        /** Rows [from, to) of the input as a batch. */
        Batch input(int from, int to) {
            int f = inputFeatures;
            return new Batch(Arrays.copyOfRange(x, from * steps * f, to * steps * f), to - from, steps, f,
                    lengths == null ? null : Arrays.copyOfRange(lengths, from, to), true);
        }

        Dataset dataset() {
            if (classes) return Dataset.classification(x, batch, steps, inputFeatures, lengths, fx.ints("target"), perStep);
            int[] ts = fx.entry("target").shape();
            return Dataset.regression(x, batch, steps, inputFeatures, lengths, fx.entry("target").toFloats(), ts[ts.length - 1],
                    perStep);
        }

        Trainer trainer() {
            double lr = Double.parseDouble(PyTorchParityTest.meta(m, "lr"));
            return new Trainer().loss(loss()).epochs(1).batchSize(batch)
                    .optimizer(ps -> new Sgd(ps, lr)).seed(3).threads(threads);
        }

        /** The fixture's loss: with its class weights ({@code CrossEntropyLoss(weight=w)}) or positive weights
         * ({@code BCEWithLogitsLoss(pos_weight=p)}) where it holds them. */
        Loss loss() {
            List<String> names = fx.names();
            if (names.contains("class_weight")) {
                float[] w = fx.entry("class_weight").toFloats();
                return new CrossEntropyLoss(w.length, CrossEntropyLoss.DEFAULT_IGNORE_INDEX, w);
            }
            if (names.contains("pos_weight")) return new BceWithLogitsLoss(fx.entry("pos_weight").toFloats());
            return Loss.parse(PyTorchParityTest.meta(m, "loss"));
        }

        void checkModelApi() {
            Model model = model();
            model.setThreads(threads);
            model.zeroGrad();
            Batch in = input(0, batch);
            Model.Trace tr = model.forward(in, true, new Random(5));
            Batch out = tr.output();
            PyTorchParityTest.Ref ref = fx.ref("output");
            if (perStep) {
                // padding steps are compared as zero: neither side's value there means anything
                out = out.zeroPadded();
                ref = zeroPadded(ref, out);
            }
            check("output", ref, new Tensor(ref.shape(), out.data()));
            boolean floatInput = !PyTorchParityTest.meta(m, "layers").startsWith("embedding");
            Batch dx = model.backward(tr, out.withData(fx.entry("dout").toFloats(), out.features()), floatInput);
            if (floatInput) check("grad.x", fx.ref("grad.x"), new Tensor(fx.entry("grad.x").shape(), dx.data()));
            checkParams("grad.", model.gradDict());
        }

        void checkTrainer() {
            Model model = model();
            Trainer.History h = trainer().validationData(dataset()).fit(model, dataset());
            checkParams("grad.", model.gradDict());
            checkParams("sgd.", model.stateDict());
            check("loss", fx.ref("loss"), Tensor.of(new float[] {(float) h.epochs().get(0).trainLoss()}, 1));
            check("validation loss after the step", fx.ref("val_loss"),
                    Tensor.of(new float[] {(float) h.epochs().get(0).validation().loss()}, 1));
        }

        void checkAccumulation() {
            Model model = model();
            int split = Integer.parseInt(PyTorchParityTest.meta(m, "split"));
            model.setThreads(threads);
            model.zeroGrad();
            for (String part : new String[] {"a", "b"}) {
                Batch in = part.equals("a") ? input(0, split) : input(split, batch);
                Model.Trace tr = model.forward(in, true, new Random(5));
                model.backward(tr, tr.output().withData(fx.entry("accum.dout_" + part).toFloats(), tr.output().features()));
            }
            checkParams("accum.grad.", model.gradDict());
        }

        void checkTbptt() {
            String spec = PyTorchParityTest.meta(m, "tbptt");
            if (spec.isEmpty()) return;
            String[] k = spec.split(",");
            Model model = model();
            trainer().tbptt(Integer.parseInt(k[0]), Integer.parseInt(k[1])).fit(model, dataset());
            checkParams("tbptt.", model.stateDict());
        }

        /** Every parameter against the fixture's {@code prefix + name}, and the same names on both sides. */
        void checkParams(String prefix, Map<String, Tensor> actual) {
            checkParamsOf(fx, prefix, actual, failures, this::check);
        }

        void check(String what, PyTorchParityTest.Ref ref, Tensor actual) {
            double e = PyTorchParityTest.worstScaledError(ref, actual);
            if (!(e <= worstSeen)) {
                worstSeen = e;
                worstSeenAt = name + " " + what;
            }
            String msg = PyTorchParityTest.mismatch(what, ref, actual, TOL);
            if (msg != null) failures.add(msg);
        }

        /** ref with the padding steps of {@code like} (a zero-padded batch) set to zero. */
        static PyTorchParityTest.Ref zeroPadded(PyTorchParityTest.Ref ref, Batch like) {
            double[] d = ref.data().clone();
            int f = like.features();
            for (int b = 0; b < like.batch(); b++) {
                Arrays.fill(d, (b * like.steps() + like.lengths()[b]) * f, (b + 1) * like.steps() * f, 0.0);
            }
            return new PyTorchParityTest.Ref(ref.shape(), d);
        }
    }

    /**
     * A fresh model of a fixture's {@code layers} (the builder's calls separated by {@code ;}: {@code embedding:V:E},
     * {@code recurrent:TYPE:H:LAYERS:BIDIR:PROJ}, {@code dropout:P}, {@code lastStep}, {@code finalStates},
     * {@code attention}, {@code dense:UNITS:ACTIVATION}), holding its {@code param.*} weights.
     */
    static Model modelOf(PyTorchParityTest.Fixture fx, int inputFeatures, String name) {
        ModelBuilder b = Model.builder(inputFeatures).seed(1);
        for (String layer : PyTorchParityTest.meta(fx.metadata, "layers").split(";")) {
            String[] a = layer.split(":");
            switch (a[0]) {
                case "embedding" -> b.embedding(Integer.parseInt(a[1]), Integer.parseInt(a[2]));
                case "recurrent" -> b.recurrent(CellType.valueOf(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]),
                        Boolean.parseBoolean(a[4]), 0f, Integer.parseInt(a[5]));
                case "dropout" -> b.dropout(Float.parseFloat(a[1]));
                case "lastStep" -> b.lastStep();
                case "finalStates" -> b.finalStates();
                case "attention" -> b.attention();
                case "dense" -> b.dense(Integer.parseInt(a[1]), Activation.parse(a[2]));
                default -> throw new IllegalArgumentException(name + ": unknown layer " + layer);
            }
        }
        Model model = b.build();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String n : fx.names()) {
            if (n.startsWith("param.")) sd.put(n.substring("param.".length()), fx.tensor(n));
        }
        model.loadStateDict(sd);
        return model;
    }

    /** A comparison of one tensor against its reference, recording what differs. */
    interface Check {
        void check(String what, PyTorchParityTest.Ref ref, Tensor actual);
    }

    /**
     * Every tensor of {@code actual} against the fixture's {@code prefix + name} (grad.x left out), and the same
     * names on both sides (a difference added to failures).
     */
    static void checkParamsOf(PyTorchParityTest.Fixture fx, String prefix, Map<String, Tensor> actual, List<String> failures,
                              Check check) {
        TreeSet<String> expected = new TreeSet<>();
        for (String n : fx.names()) {
            if (n.startsWith(prefix) && !n.equals("grad.x")) expected.add(n.substring(prefix.length()));
        }
        if (!expected.equals(new TreeSet<>(actual.keySet()))) {
            failures.add(prefix + "*: expected names " + expected + ", got " + new TreeSet<>(actual.keySet()));
        }
        for (String p : expected) check.check(prefix + p, fx.ref(prefix + p), actual.get(p));
    }

    /**
     * For a search: every fixture of the directory {@code args[0]}, one line each, failures in full
     * ({@code -Dthreads=N}: the model's and trainer's threads).
     */
    public static void main(String[] args) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            files = s.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList();
        }
        int bad = 0;
        for (Path f : files) {
            List<String> all = new ArrayList<>();
            for (java.util.function.Consumer<Case> c : List.<java.util.function.Consumer<Case>>of(Case::checkModelApi,
                    Case::checkTrainer, Case::checkAccumulation, Case::checkTbptt)) {
                try {
                    Case k = new Case(f);
                    k.threads = Integer.getInteger("threads", 1);
                    c.accept(k);
                    all.addAll(k.failures);
                } catch (RuntimeException | IOException e) {
                    all.add(e.toString());
                }
            }
            if (!all.isEmpty()) bad++;
            System.out.println(f.getFileName() + (all.isEmpty() ? " ok" : " FAIL\n  " + String.join("\n  ", all)));
        }
        System.out.printf("%d fixtures, %d failing; worst error %.3e (%s)%n", files.size(), bad, worstSeen, worstSeenAt);
    }
}
