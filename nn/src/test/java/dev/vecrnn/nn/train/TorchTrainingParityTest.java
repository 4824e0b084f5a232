package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.FixtureFiles;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.vecrnn.nn.train.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The training package against PyTorch 1.13 itself, on the fixtures in {@code src/test/resources/pytorch-train/}
 * (written by {@code scripts/make_training_fixtures.py}, which documents their contents; this test needs no
 * Python): the optimizers' trajectories and state buffers ({@code torch.optim.SGD}, {@code Adam}, {@code AdamW},
 * {@code RMSprop}, with a learning-rate change midway and a resume from {@link Optimizer#state()}), the schedules'
 * learning rates ({@code StepLR}, {@code CosineAnnealingLR}, {@code ReduceLROnPlateau}, with a learning rate set
 * from outside and a resume as {@link Checkpoint} does it), {@code clip_grad_norm_} / {@code clip_grad_value_},
 * and the losses' values and input gradients ({@code MSELoss}, {@code L1Loss}, {@code BCEWithLogitsLoss},
 * {@code CrossEntropyLoss} with ignore_index, class weights (alone, with ignore_index, a mask, per-step padding
 * and one label per sequence) and per-step targets with padding, {@code BCEWithLogitsLoss(pos_weight)}). Cases
 * named {@code *defaults}, {@code *_lr}, {@code *_momentum} build vecrnn's short constructors against a torch
 * object given only those arguments, so they check that vecrnn's defaults are PyTorch's. One documented,
 * deliberate difference is held as documented: {@code CrossEntropyLoss} with every row ignored gives 0 and a zero
 * gradient where PyTorch gives NaN.
 *
 * <p>The references are float64 math on the stored float32 inputs; vecrnn runs in float32 (schedules and loss
 * sums in double). Tolerances, each about 5x what PyTorch's own float32 run misses the reference by (the generator
 * refuses a case where it misses by more than a fifth of them):
 * <ul>
 *   <li>params after each of 14 steps: {@code |a - ref| <= 2e-6 * (1 + |ref|)}; state buffers
 *   {@code <= 2e-6 * max|ref|} over the buffer. Each step rounds a few float32 operations (unit roundoff 6e-8)
 *   on values of order 1, and the errors add up over the steps; PyTorch's float32 run ends within 4e-7.</li>
 *   <li>clipped gradients and loss gradients: {@code |a - ref| <= 1e-6 * max|ref|} over the array (a few
 *   roundings of float32 results; the log-softmax is float32), the clip norm and loss values 1e-6 relative.</li>
 *   <li>learning rates: 1e-12 relative (double arithmetic in both, in a different order: vecrnn's closed form at
 *   resume against PyTorch's recursive form); ReduceLROnPlateau's counters and best exactly.</li>
 * </ul>
 */
class TorchTrainingParityTest {
    static final double OPTIM_TOL = 2e-6;
    static final double GRAD_TOL = 1e-6;
    static final double LOSS_TOL = 1e-6;
    static final double LR_TOL = 1e-12;
    static final int EXPECTED_MIN_FIXTURES = 50;
    /** The step (optimizers) and epochs (schedules) after which a resumed copy takes over. */
    static final int RESUME_STEP = 5;
    static final int[] RESUME_EPOCHS = {5, 11, 20};

    @TestFactory
    Stream<DynamicTest> pytorchTrainingParity() throws IOException, URISyntaxException {
        List<Path> files = FixtureFiles.safetensors("pytorch-train", EXPECTED_MIN_FIXTURES, "scripts/make_training_fixtures.py");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString().replace(".safetensors", ""), () -> {
            Fixture fx = new Fixture(SafeTensors.read(f));
            switch (fx.meta("kind")) {
                case "optim" -> checkOptimizer(fx);
                case "sched" -> checkSchedule(fx);
                case "clip" -> checkClip(fx);
                case "loss" -> checkLoss(fx);
                default -> fail("unknown kind " + fx.meta("kind"));
            }
        }));
    }

    // ------------------------------------------------------------------------------------------ optimizers

    static Optimizer optimizer(Fixture fx, List<Param> ps) {
        String form = fx.meta("form");
        double lr = fx.num("lr"), wd = fx.num("weight_decay");
        Optimizer opt = switch (fx.meta("optimizer")) {
            case "sgd" -> switch (form) {
                case "lr" -> new Sgd(ps, lr);
                case "momentum" -> new Sgd(ps, lr, fx.num("momentum"));
                default -> new Sgd(ps, lr, fx.num("momentum"), fx.num("dampening"), wd, fx.bool("nesterov"));
            };
            case "adam" -> switch (form) {
                case "defaults" -> new Adam(ps);
                case "lr" -> new Adam(ps, lr);
                default -> new Adam(ps, lr, fx.num("beta1"), fx.num("beta2"), fx.num("eps"), wd);
            };
            case "adamw" -> form.equals("defaults") ? new AdamW(ps)
                    : new AdamW(ps, lr, fx.num("beta1"), fx.num("beta2"), fx.num("eps"), wd);
            case "rmsprop" -> switch (form) {
                case "defaults" -> new RmsProp(ps);
                case "lr" -> new RmsProp(ps, lr);
                default -> new RmsProp(ps, lr, fx.num("alpha"), fx.num("eps"), wd, fx.num("momentum"));
            };
            default -> throw new AssertionError(fx.meta("optimizer"));
        };
        // the hyperparameters the constructor chose are PyTorch's
        assertEquals(lr, opt.learningRate(), "lr");
        if (opt instanceof Sgd s) {
            assertEquals(List.of(fx.num("momentum"), fx.num("dampening"), wd, fx.bool("nesterov")),
                    List.of(s.momentum(), s.dampening(), s.weightDecay(), s.nesterov()), "momentum, dampening, weight_decay, nesterov");
        } else if (opt instanceof Adam a) {
            assertEquals(List.of(fx.num("beta1"), fx.num("beta2"), fx.num("eps"), wd, false),
                    List.of(a.beta1(), a.beta2(), a.eps(), a.weightDecay(), fx.bool("amsgrad")), "betas, eps, weight_decay, amsgrad");
        } else if (opt instanceof RmsProp r) {
            assertEquals(List.of(fx.num("alpha"), fx.num("eps"), wd, fx.num("momentum"), false),
                    List.of(r.alpha(), r.eps(), r.weightDecay(), r.momentum(), fx.bool("centered")),
                    "alpha, eps, weight_decay, momentum, centered");
        }
        return opt;
    }

    static void checkOptimizer(Fixture fx) {
        int steps = fx.integer("steps");
        int params = (int) fx.names().stream().filter(n -> n.startsWith("init.")).count();
        List<Param> ps = new ArrayList<>();
        for (int p = 0; p < params; p++) ps.add(new Param("p" + p, fx.floats("init.p" + p)));
        Optimizer opt = optimizer(fx, ps);
        Optimizer resumed = null;
        for (int t = 1; t <= steps; t++) {
            if (t == fx.integer("lr_change_step")) {
                opt.setLearningRate(fx.num("lr_changed"));
                if (resumed != null) resumed.setLearningRate(fx.num("lr_changed"));
            }
            step(fx, opt, t);
            if (resumed != null) step(fx, resumed, t);
            for (int p = 0; p < params; p++) {
                double[] ref = fx.row("traj.p" + p, t - 1);
                assertClose("param p" + p + " after step " + t, ref, opt.params().get(p).data(), OPTIM_TOL, OPTIM_TOL);
                if (resumed != null) {
                    assertClose("resumed at step " + RESUME_STEP + ": param p" + p + " after step " + t, ref,
                            resumed.params().get(p).data(), OPTIM_TOL, OPTIM_TOL);
                }
            }
            if (t == RESUME_STEP) resumed = resume(fx, opt);
        }
        assertEquals(steps, opt.stepCount());
        // the buffers, under PyTorch's names
        Map<String, float[]> state = opt.state();
        TreeSet<String> expected = fx.names().stream().filter(n -> n.startsWith("state.")).map(n -> n.substring(6))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, new TreeSet<>(state.keySet()), "state keys");
        for (String k : expected) {
            double[] ref = fx.doubles("state." + k);
            assertNormwise("state " + k, ref, state.get(k), OPTIM_TOL);
        }
    }

    private static void step(Fixture fx, Optimizer opt, int t) {
        opt.zeroGrad();
        for (int p = 0; p < opt.params().size(); p++) {
            double[] g = fx.row("grad.p" + p, t - 1);
            float[] grad = opt.params().get(p).grad();
            for (int i = 0; i < g.length; i++) grad[i] = (float) g[i];
        }
        opt.step();
    }

    /** A fresh optimizer over copies of the params, restored from opt's state, step count and learning rate. */
    private static Optimizer resume(Fixture fx, Optimizer opt) {
        List<Param> copies = new ArrayList<>();
        for (Param p : opt.params()) copies.add(new Param(p.name(), p.data().clone()));
        Optimizer o = optimizer(fx, copies);
        o.loadState(opt.state(), opt.stepCount());
        o.setLearningRate(opt.learningRate());
        return o;
    }

    // ------------------------------------------------------------------------------------------ schedules

    static Schedule schedule(Fixture fx, Optimizer opt) {
        boolean defaults = fx.meta("form").equals("defaults");
        return switch (fx.meta("scheduler")) {
            case "step" -> {
                StepLR s = defaults ? new StepLR(opt, fx.integer("step_size")) : new StepLR(opt, fx.integer("step_size"), fx.num("gamma"));
                assertEquals(fx.num("gamma"), s.lrAt(fx.integer("step_size")) / fx.num("base_lr"), LR_TOL, "gamma");
                yield s;
            }
            case "cosine" -> {
                CosineAnnealingLR s = defaults ? new CosineAnnealingLR(opt, fx.integer("t_max"))
                        : new CosineAnnealingLR(opt, fx.integer("t_max"), fx.num("eta_min"));
                assertEquals(fx.num("eta_min"), s.lrAt(fx.integer("t_max")), LR_TOL, "eta_min");
                yield s;
            }
            case "plateau" -> {
                ReduceLROnPlateau s = defaults ? new ReduceLROnPlateau(opt) : new ReduceLROnPlateau(opt,
                        ReduceLROnPlateau.Mode.valueOf(fx.meta("mode").toUpperCase()), fx.num("factor"), fx.integer("patience"),
                        fx.num("threshold"), ReduceLROnPlateau.ThresholdMode.valueOf(fx.meta("threshold_mode").toUpperCase()),
                        fx.integer("cooldown"), fx.num("min_lr"), fx.num("eps"));
                assertEquals("ReduceLROnPlateau(mode=" + fx.meta("mode").toUpperCase() + ", factor=" + fx.num("factor") + ", patience="
                        + fx.integer("patience") + ", threshold=" + fx.num("threshold") + " " + fx.meta("threshold_mode").toUpperCase()
                        + ", cooldown=" + fx.integer("cooldown") + ", minLr=" + fx.num("min_lr") + ")", s.toString(), "options");
                yield s;
            }
            default -> throw new AssertionError(fx.meta("scheduler"));
        };
    }

    static void checkSchedule(Fixture fx) {
        double[] lr = fx.doubles("lr");
        Optimizer opt = LrSchedulerTest.sgd(fx.num("base_lr"));
        Schedule s = schedule(fx, opt);
        assertLr(fx, "after construction", lr[0], opt);
        runSchedule(fx, s, opt, 1, "");
        for (int k : RESUME_EPOCHS) {
            // as Checkpoint.read: a schedule made from a fresh optimizer, its counters restored, then the learning rate
            Optimizer o = LrSchedulerTest.sgd(fx.num("base_lr"));
            Schedule r = schedule(fx, o);
            if (r instanceof LrScheduler l) l.setLastEpoch(k);
            if (r instanceof ReduceLROnPlateau p) {
                p.restore(fx.doubles("best")[k - 1], fx.ints("num_bad_epochs")[k - 1], fx.ints("cooldown_counter")[k - 1], k);
            }
            o.setLearningRate(lr[k]);
            runSchedule(fx, r, o, k + 1, "resumed at epoch " + k + ": ");
        }
    }

    private static void runSchedule(Fixture fx, Schedule s, Optimizer opt, int from, String what) {
        double[] lr = fx.doubles("lr");
        boolean plateau = s instanceof ReduceLROnPlateau;
        double[] metric = plateau ? fx.doubles("metric") : null;
        for (int e = from; e <= fx.integer("epochs"); e++) {
            if (e == fx.integer("set_lr_at")) opt.setLearningRate(fx.num("set_lr"));
            s.epochEnded(plateau ? metric[e - 1] : Double.NaN);
            String at = what + "epoch " + e;
            assertLr(fx, at, lr[e], opt);
            if (s instanceof LrScheduler l) {
                assertEquals(e, l.lastEpoch(), at + ": lastEpoch");
                assertEquals(opt.learningRate(), l.lastLr(), at + ": lastLr");
            } else {
                ReduceLROnPlateau p = (ReduceLROnPlateau) s;
                assertEquals(fx.doubles("best")[e - 1], p.best(), at + ": best");
                assertEquals(fx.ints("num_bad_epochs")[e - 1], p.numBadEpochs(), at + ": num_bad_epochs");
                assertEquals(fx.ints("cooldown_counter")[e - 1], p.cooldownCounter(), at + ": cooldown_counter");
                assertEquals(e, p.lastEpoch(), at + ": last_epoch");
                assertEquals(opt.learningRate(), p.lastLr(), at + ": lastLr");
            }
        }
    }

    private static void assertLr(Fixture fx, String at, double expected, Optimizer opt) {
        assertClose(fx.meta("case") + ": lr " + at, expected, opt.learningRate(), LR_TOL, 0);
    }

    // ------------------------------------------------------------------------------------------ clipping

    static void checkClip(Fixture fx) {
        List<Param> ps = new ArrayList<>();
        for (int p = 0; fx.names().contains("grad.p" + p); p++) {
            float[] g = fx.floats("grad.p" + p);
            ps.add(new Param("p" + p, new float[g.length], g));
        }
        if (fx.meta("fn").equals("norm")) {
            assertEquals(2.0, fx.num("norm_type"), "vecrnn offers the L2 norm only");
            double norm = Clip.byGlobalNorm(ps, fx.num("max_norm"));
            assertClose("norm", fx.doubles("norm")[0], norm, LOSS_TOL, 0);
        } else {
            Clip.byValue(ps, fx.num("clip_value"));
        }
        for (int p = 0; p < ps.size(); p++) {
            double[] ref = fx.doubles("clipped.p" + p);
            assertNormwise("clipped p" + p, ref, ps.get(p).grad(), GRAD_TOL);
        }
    }

    // ------------------------------------------------------------------------------------------ losses

    static void checkLoss(Fixture fx) {
        String kind = fx.meta("loss");
        float[] input = fx.floats("input");
        double refLoss = fx.doubles("loss")[0];
        double[] refGrad = fx.doubles("grad");
        List<Loss> losses = switch (kind) {
            case "mse" -> List.of(Loss.mse(), new MseLoss(), Loss.parse("mse"));
            case "l1" -> List.of(Loss.mae(), new MaeLoss(), Loss.parse("l1"));
            case "bce" -> fx.has("pos_weight") ? List.of(new BceWithLogitsLoss(fx.floats("pos_weight")))
                    : List.of(Loss.bce(), new BceWithLogitsLoss());
            case "ce" -> {
                int classes = fx.integer("classes"), ignore = fx.integer("ignore_index");
                List<Loss> ls = new ArrayList<>(ignore == CrossEntropyLoss.DEFAULT_IGNORE_INDEX
                        ? List.of(Loss.crossEntropy(), new CrossEntropyLoss(classes), new CrossEntropyLoss(classes, ignore))
                        : List.of(new CrossEntropyLoss(classes, ignore)));
                if (fx.has("weight")) {
                    // PyTorch's weight= as the class weights themselves; through the trainer's path the unweighted
                    // losses have no row weights to take them as
                    if (fx.bool("per_step") || fx.flag("last_step")) ls.clear();
                    ls.add(new CrossEntropyLoss(classes, ignore, fx.floats("weight")));
                }
                yield ls;
            }
            default -> throw new AssertionError(kind);
        };
        for (Loss loss : losses) {
            float[] grad = new float[input.length];
            double value = lossOf(fx, loss, input, grad);
            String what = fx.meta("case") + " " + loss;
            if (Double.isNaN(refLoss)) {
                // deliberate (CrossEntropyLoss's javadoc): no row counts -> 0 and a zero gradient, where PyTorch gives NaN
                assertEquals(0.0, value, what + ": loss with every row ignored");
                assertNormwise(what + ": grad", refGrad, grad, 0);
                continue;
            }
            assertClose(what + ": loss", refLoss, value, LOSS_TOL, 0);
            assertNormwise(what + ": grad", refGrad, grad, GRAD_TOL);
            assertClose(what + ": loss without grad", refLoss, lossOf(fx, loss, input, null), LOSS_TOL, 0);
        }
    }

    private static double lossOf(Fixture fx, Loss loss, float[] input, float[] grad) {
        boolean ce = fx.meta("loss").equals("ce");
        if (fx.bool("per_step")) return perStepLoss(fx, loss, input, grad);
        if (fx.flag("last_step")) return lastStepLoss(fx, loss, input, grad);
        if (!ce) return loss.forward(input, fx.floats("target"), grad);
        int[] t = fx.ints("target");
        boolean[] mask = null;
        if (fx.has("mask")) {
            int[] m = fx.ints("mask");
            mask = new boolean[m.length];
            for (int i = 0; i < m.length; i++) mask[i] = m[i] != 0;
        }
        // row weights and masks are CrossEntropyLoss's own (Loss.crossEntropy() takes neither)
        CrossEntropyLoss c = loss instanceof CrossEntropyLoss own ? own : new CrossEntropyLoss(fx.integer("classes"));
        if (fx.has("weight") && c.weight() == null) {
            // PyTorch's class weights, as vecrnn's row weights: row i weighs weight[t_i] (0 masked); an ignored row, anything
            float[] w = fx.floats("weight");
            float[] rows = new float[t.length];
            for (int i = 0; i < t.length; i++) rows[i] = mask != null && !mask[i] ? 0f : t[i] >= 0 && t[i] < w.length ? w[t[i]] : 7.5f;
            return c.forward(input, t, rows, grad);
        }
        if (mask != null) return c.forward(input, t, mask, grad);
        return loss.forward(input, t, grad);
    }

    /** The trainer's path: outputs [B, T, K] of sequences with lengths, the loss over valid steps only (ValidRows). */
    private static double perStepLoss(Fixture fx, Loss loss, float[] input, float[] grad) {
        int[] shape = fx.shape("input");
        int b = shape[0], t = shape[1], k = shape[2];
        int[] lengths = fx.ints("lengths");
        Batch out = new Batch(input, b, t, k, lengths, true);
        float[] x = new float[b * t];
        Dataset data;
        if (fx.meta("loss").equals("ce")) {
            int[] labels = fx.ints("target").clone();
            for (int i = 0; i < b; i++) for (int s = lengths[i]; s < t; s++) labels[i * t + s] = 999; // padding: never read
            data = Dataset.classification(x, b, t, 1, lengths, labels, true);
        } else {
            float[] y = fx.floats("target").clone();
            for (int i = 0; i < b; i++) for (int s = lengths[i] * k; s < t * k; s++) y[i * t * k + s] = Float.NaN;
            data = Dataset.regression(x, b, t, 1, lengths, y, k, true);
        }
        return ValidRows.score(loss, out, data, grad, new ValidRows.Scored());
    }

    /** The trainer's path for one label per sequence: the [B, K] outputs of sequences of unequal lengths (ValidRows). */
    private static double lastStepLoss(Fixture fx, Loss loss, float[] input, float[] grad) {
        int[] lengths = fx.ints("lengths");
        int b = lengths.length, t = fx.integer("steps"), k = fx.shape("input")[1];
        Dataset data = Dataset.classification(new float[b * t], b, t, 1, lengths, fx.ints("target"), false);
        return ValidRows.score(loss, Batch.vectors(input, b, k), data, grad, new ValidRows.Scored());
    }

    // ------------------------------------------------------------------------------------------ fixtures

    /** |a - ref| <= rtol * max|ref| for every element; exact when ref is all zero (or rtol is 0). */
    static void assertNormwise(String what, double[] ref, float[] actual, double rtol) {
        double m = 0;
        for (double v : ref) m = Math.max(m, Math.abs(v));
        assertClose(what, ref, actual, 0, Math.max(rtol * m, Double.MIN_VALUE));
    }

    /** A fixture file: its tensors and its metadata (strings). */
    record Fixture(SafeTensors.Contents contents) {
        String meta(String key) {
            String v = contents.metadata().get(key);
            assertNotNull(v, "fixture metadata: expected key '" + key + "'");
            return v;
        }

        double num(String key) {
            return Double.parseDouble(meta(key));
        }

        int integer(String key) {
            return Integer.parseInt(meta(key));
        }

        boolean bool(String key) {
            return Boolean.parseBoolean(meta(key));
        }

        /** A "true"/"false" metadata entry that only some fixtures have: false when absent. */
        boolean flag(String key) {
            return Boolean.parseBoolean(contents.metadata().get(key));
        }

        List<String> names() {
            return new ArrayList<>(contents.names());
        }

        boolean has(String name) {
            return contents.contains(name);
        }

        TensorData entry(String name) {
            assertTrue(has(name), "fixture: expected tensor '" + name + "', have " + new TreeSet<>(contents.names()));
            return contents.get(name);
        }

        int[] shape(String name) {
            return entry(name).shape();
        }

        float[] floats(String name) {
            return entry(name).toFloats();
        }

        double[] doubles(String name) {
            return entry(name).toDoubles();
        }

        int[] ints(String name) {
            return entry(name).toInts();
        }

        /** Row r of a [rows, n] tensor. */
        double[] row(String name, int r) {
            int[] s = shape(name);
            double[] all = doubles(name);
            double[] out = new double[s[1]];
            System.arraycopy(all, r * s[1], out, 0, s[1]);
            return out;
        }
    }
}
