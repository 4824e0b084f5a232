package dev.vecrnn.nn.format;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.FixtureFiles;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.AdamW;
import dev.vecrnn.nn.train.BceWithLogitsLoss;
import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Optimizer;
import dev.vecrnn.nn.train.RmsProp;
import dev.vecrnn.nn.train.Sgd;
import dev.vecrnn.nn.train.Trainer;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Whole models against PyTorch where {@link ModelTorchParityTest} does not reach, on the fixtures in
 * {@code src/test/resources/pytorch-trainer/} written by {@code scripts/make_trainer_fixtures.py} (its docstring
 * says what a file holds): the {@code finalStates} head after bidirectional layers, {@code dropout(0)} layers, a
 * dense layer before the recurrent stack, cross-entropy with class weights and ignore_index -100, BCE with
 * {@code pos_weight}; and {@link Trainer} for three full-batch steps of {@link Adam}, {@link AdamW}, {@link Sgd}
 * (momentum, dampening, Nesterov, weight decay) and {@link RmsProp} (momentum) under {@code clipValue} and
 * {@code clipNorm}, against {@code torch.optim} after {@code clip_grad_value_} and {@code clip_grad_norm_}. For
 * each fixture: the gradients {@code backward} gives from d(loss)/d(output) (the input's included), and the loss
 * and weights the trainer reaches. Tolerance {@link PyTorchParityTest#TOL} scaled by {@code max(1, |ref|)},
 * references being float64 on the stored float32 values.
 */
class TrainerTorchParityTest {

    private static final int EXPECTED_MIN_FIXTURES = 8;
    private static final double TOL = PyTorchParityTest.TOL;

    @TestFactory
    Stream<DynamicNode> trainerParity() throws IOException, URISyntaxException {
        return FixtureFiles.safetensors("pytorch-trainer", EXPECTED_MIN_FIXTURES, "scripts/make_trainer_fixtures.py")
                .stream().map(f -> DynamicContainer.dynamicContainer(f.getFileName().toString(), Stream.of(
                        DynamicTest.dynamicTest("backward gradients", () -> new Case(f).checkBackward()),
                        DynamicTest.dynamicTest("three trainer steps", () -> new Case(f).checkTrainer()))));
    }

    private static final class Case {
        final String name;
        final PyTorchParityTest.Fixture fx;
        final Map<String, String> m;
        final int features;
        final int batch;
        final int steps;
        final float[] x;
        final int[] lengths;
        final List<String> failures = new ArrayList<>();

        Case(Path file) throws IOException {
            name = file.getFileName().toString();
            fx = PyTorchParityTest.Fixture.read(file);
            m = fx.metadata;
            features = Integer.parseInt(PyTorchParityTest.meta(m, "input_features"));
            int[] shape = fx.entry("x").shape();
            batch = shape[0];
            steps = shape[1];
            x = fx.entry("x").toFloats();
            lengths = PyTorchParityTest.bool(m, "has_lengths") ? fx.entry("lengths").toInts() : null;
        }

        Model model() {
            return ModelTorchParityTest.modelOf(fx, features, name);
        }

        void checkBackward() {
            Model model = model();
            model.zeroGrad();
            Model.Trace tr = model.forward(new Batch(x, batch, steps, features, lengths, true), true, new Random(5));
            boolean floatInput = fx.names().contains("grad.x");
            Batch dx = model.backward(tr, tr.output().withData(fx.entry("dout").toFloats(), tr.output().features()), floatInput);
            if (floatInput) check("grad.x", fx.ref("grad.x"), new Tensor(fx.entry("grad.x").shape(), dx.data()));
            checkParams("grad.", model.gradDict());
            report();
        }

        void checkTrainer() {
            Model model = model();
            int classes = model.outputFeatures();
            String lossName = PyTorchParityTest.meta(m, "loss");
            float[] ceWeight = floats("ce_weight");
            float[] posWeight = floats("pos_weight");
            Loss loss = switch (lossName) {
                case "ce" -> ceWeight == null ? new CrossEntropyLoss(classes, -100) : new CrossEntropyLoss(classes, -100, ceWeight);
                case "bce" -> posWeight == null ? new BceWithLogitsLoss() : new BceWithLogitsLoss(posWeight);
                default -> Loss.parse(lossName);
            };
            boolean perStep = PyTorchParityTest.bool(m, "per_step");
            Dataset data = lossName.equals("ce")
                    ? Dataset.classification(x, batch, steps, features, lengths, fx.entry("target").toInts(), perStep)
                    : Dataset.regression(x, batch, steps, features, lengths, fx.entry("target").toFloats(), classes, perStep);
            Trainer.History h = new Trainer().loss(loss).optimizer(optimizer())
                    .epochs(Integer.parseInt(PyTorchParityTest.meta(m, "steps"))).batchSize(batch)
                    .clipValue(Double.parseDouble(PyTorchParityTest.meta(m, "clip_value")))
                    .clipNorm(Double.parseDouble(PyTorchParityTest.meta(m, "clip_norm")))
                    .seed(3).threads(1).fit(model, data);
            check("loss", fx.ref("loss"), Tensor.of(new float[] {(float) h.epochs().get(0).trainLoss()}, 1));
            checkParams("final.", model.stateDict());
            report();
        }

        Function<List<Param>, Optimizer> optimizer() {
            String[] o = PyTorchParityTest.meta(m, "opt").split(":");
            double lr = Double.parseDouble(o[1]);
            double a = Double.parseDouble(o[2]);
            double b = Double.parseDouble(o[3]);
            double c = Double.parseDouble(o[4]);
            double d = Double.parseDouble(o[5]);
            return switch (o[0]) {
                case "adam" -> ps -> new Adam(ps, lr, a, b, c, d);
                case "adamw" -> ps -> new AdamW(ps, lr, a, b, c, d);
                case "sgd" -> ps -> new Sgd(ps, lr, a, b, c, d != 0);
                case "rmsprop" -> ps -> new RmsProp(ps, lr, a, b, c, d);
                default -> throw new IllegalArgumentException(name + ": unknown optimizer " + o[0]);
            };
        }

        float[] floats(String key) {
            String v = PyTorchParityTest.meta(m, key);
            if (v.isEmpty()) return null;
            String[] parts = v.split(",");
            float[] f = new float[parts.length];
            for (int i = 0; i < f.length; i++) f[i] = Float.parseFloat(parts[i]);
            return f;
        }

        void checkParams(String prefix, Map<String, Tensor> actual) {
            ModelTorchParityTest.checkParamsOf(fx, prefix, actual, failures, this::check);
        }

        void check(String what, PyTorchParityTest.Ref ref, Tensor actual) {
            String msg = PyTorchParityTest.mismatch(what, ref, actual, TOL);
            if (msg != null) failures.add(msg);
        }

        void report() {
            if (!failures.isEmpty()) fail(name + ": differs from PyTorch:\n  " + String.join("\n  ", failures));
        }
    }
}
