package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.model.Model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What does not fit the model is refused by {@link Trainer#fit} before anything trains: validation data of
 * another shape or kind (which would otherwise be refused only after the first epoch had changed the
 * weights), training data of another shape (named as such), and an optimizer over params that are not the
 * model's (which would step that other model and leave this one as it was, silently). The weights are then
 * as they were, and the same trainer and model train afterwards.
 */
class TrainerMisfitTest {

    /** n values in [-1, 1], a different series per seed. */
    private static float[] series(int n, long seed) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) Math.sin(7.1 * seed + 1.3 * i);
        return a;
    }

    private static Model model() {
        return Model.builder(3).lstm(8).dense(2).seed(1).build();
    }

    /** 40 sequences of 5 steps, 3 features, 2 targets per step. */
    private static final Dataset DATA = Dataset.regression(series(40 * 5 * 3, 3), 40, 5, 3, null, series(40 * 5 * 2, 4), 2, true);

    private static void assertSameWeights(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) assertArrayEquals(want.get(k).data(), got.get(k).data(), k);
    }

    private static void assertRefused(Trainer trainer, Dataset data, String message) {
        Model m = model();
        Map<String, Tensor> before = m.stateDict();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(m, data));
        assertEquals(message, e.getMessage());
        assertSameWeights(before, m.stateDict());
        for (Param p : m.params()) for (float g : p.grad()) assertEquals(0f, g, p.name());
    }

    @Test
    void validationDataThatDoesNotFitIsRefusedBeforeTraining() {
        Dataset features = Dataset.regression(series(4 * 5 * 4, 5), 4, 5, 4, null, series(4 * 5 * 2, 6), 2, true);
        assertRefused(new Trainer().epochs(1).validationData(features), DATA,
                "validation data: expected 3 features per step (the model's input), got 4");
        Dataset width = Dataset.regression(series(4 * 5 * 3, 5), 4, 5, 3, null, series(4 * 5 * 3, 6), 3, true);
        assertRefused(new Trainer().epochs(1).validationData(width), DATA,
                "validation data: expected 2 target values per row (the model's output), got 3");
        Dataset perSequence = Dataset.regression(series(4 * 5 * 3, 5), 4, 5, 3, null, series(4 * 2, 6), 2, false);
        assertRefused(new Trainer().epochs(1).validationData(perSequence), DATA,
                "validation data: the data has one target per sequence but the model outputs one per step");
        Dataset labels = Dataset.classification(series(4 * 5 * 3, 5), 4, 5, 3, null, new int[4 * 5], true);
        assertRefused(new Trainer().epochs(1).validationData(labels), DATA,
                "validation data: expected float targets as the training data has, got class labels");
    }

    @Test
    void trainingDataThatDoesNotFitIsNamed() {
        Dataset features = Dataset.regression(series(4 * 5 * 4, 5), 4, 5, 4, null, series(4 * 5 * 2, 6), 2, true);
        assertRefused(new Trainer().epochs(1), features, "training data: expected 3 features per step (the model's input), got 4");
    }

    @Test
    void anOptimizerOverAnotherModelsParamsIsRefused() {
        Model other = model();
        Map<String, Tensor> otherBefore = other.stateDict();
        assertRefused(new Trainer().epochs(1).optimizer(ps -> new Adam(other.params(), 0.1)), DATA,
                "optimizer: expected an optimizer over the model's params (the list the factory is given, or part of it),"
                        + " got one over layers.0.packed_l0, which is not the model's");
        assertSameWeights(otherBefore, other.stateDict());
    }

    /** An optimizer of the user's own whose params() is null or holds null: named, not a NullPointerException. */
    @Test
    void anOptimizerWithoutParamsIsNamed() {
        for (List<Param> params : java.util.Arrays.asList(null, java.util.Arrays.asList((Param) null))) {
            assertRefused(new Trainer().epochs(1).optimizer(ps -> withParams(new Sgd(ps, 0.1), params)), DATA, params == null ? "optimizer: expected params() of the optimizer, got null"
                    : "optimizer: expected params() without null, got a null param");
        }
    }

    /**
     * A built-in loss of the wrong kind for the targets was refused only at the first batch, after a
     * checkpoint to resume from had been read into the model: its weights were the checkpoint's.
     */
    @Test
    void aLossOfTheWrongKindIsRefusedBeforeACheckpointIsResumed(@TempDir Path dir) {
        Path ckpt = dir.resolve("run.ckpt");
        new Trainer().epochs(1).checkpoint(ckpt).fit(Model.builder(3).lstm(8).dense(2).seed(7).build(), DATA);
        assertRefused(new Trainer().epochs(2).loss(Loss.crossEntropy()).resumeFrom(ckpt), DATA,
                "cross_entropy: expected class labels, got float targets");
        Dataset labels = Dataset.classification(series(40 * 5 * 3, 5), 40, 5, 3, null, new int[40 * 5], true);
        assertRefused(new Trainer().epochs(2).loss(Loss.mse()).resumeFrom(ckpt), labels, "mse: expected float targets, got class labels");
    }

    /** {@code o} with its params() answering {@code params}. */
    private static Optimizer withParams(Optimizer o, List<Param> params) {
        return new Optimizer() {
            public void step() {
                o.step();
            }

            public void zeroGrad() {
                o.zeroGrad();
            }

            public double learningRate() {
                return o.learningRate();
            }

            public void setLearningRate(double lr) {
                o.setLearningRate(lr);
            }

            public List<Param> params() {
                return params;
            }

            public long stepCount() {
                return o.stepCount();
            }

            public Map<String, float[]> state() {
                return o.state();
            }

            public void loadState(Map<String, float[]> state, long stepCount) {
                o.loadState(state, stepCount);
            }
        };
    }

    /** A built-in schedule of another optimizer set that one's learning rate; this one's stayed as it was, silently. */
    @Test
    void aScheduleOfAnotherOptimizerIsRefused() {
        Optimizer other = new Adam(model().params(), 0.1);
        String message = "schedule: expected a schedule of the optimizer the factory is given, got one of another optimizer";
        assertRefused(new Trainer().epochs(1).schedule(o -> new StepLR(other, 1, 0.5)), DATA, message);
        assertRefused(new Trainer().epochs(1).schedule(o -> new CosineAnnealingLR(other, 3)), DATA, message);
        assertRefused(new Trainer().epochs(1).schedule(o -> new ReduceLROnPlateau(other)), DATA, message);
        assertEquals(0.1, other.learningRate());
    }

    @Test
    void anOptimizerOverPartOfTheParamsTrainsThatPart() {
        Model m = model();
        Map<String, Tensor> before = m.stateDict();
        new Trainer().epochs(1).optimizer(ps -> new Adam(ps.subList(ps.size() - 2, ps.size()), 0.1)).fit(m, DATA);
        Map<String, Tensor> after = m.stateDict();
        assertArrayEquals(before.get("layers.0.weight_ih_l0").data(), after.get("layers.0.weight_ih_l0").data());
        assertFalse(java.util.Arrays.equals(before.get("layers.1.weight").data(), after.get("layers.1.weight").data()));
    }

    /**
     * A label out of range in the second batch used to be refused by the loss only there, after the first
     * batch had stepped the optimizer; now before any batch, naming the row and step. Padding is not checked.
     */
    @Test
    void targetsABuiltInLossRefusesAreRefusedBeforeTraining() {
        int[] labels = new int[40 * 5];
        for (int i = 0; i < labels.length; i++) labels[i] = i % 2;
        labels[37 * 5 + 4] = 2;
        Dataset classes = Dataset.classification(series(40 * 5 * 3, 3), 40, 5, 3, null, labels, true);
        assertRefused(new Trainer().epochs(1).batchSize(8), classes,
                "training data: expected a class index in [0, 2) or the ignore index -100 for cross_entropy, got 2 at row 37, step 4");
        assertRefused(new Trainer().epochs(1).batchSize(8).loss(new CrossEntropyLoss(2, 7)), classes,
                "training data: expected a class index in [0, 2) or the ignore index 7 for CrossEntropyLoss(classes=2, ignoreIndex=7), got 2"
                        + " at row 37, step 4");
        assertRefused(new Trainer().epochs(1).batchSize(8).validationData(classes),
                Dataset.classification(series(40 * 5 * 3, 3), 40, 5, 3, null, new int[40 * 5], true),
                "validation data: expected a class index in [0, 2) or the ignore index -100 for cross_entropy, got 2 at row 37, step 4");
        // the label sits in the padding of row 37: never scored, so trained on
        int[] lengths = new int[40];
        java.util.Arrays.fill(lengths, 5);
        lengths[37] = 4;
        new Trainer().epochs(1).batchSize(8).fit(model(), Dataset.classification(series(40 * 5 * 3, 3), 40, 5, 3, lengths, labels, true));

        float[] y = new float[40 * 5 * 2];
        y[(21 * 5 + 3) * 2 + 1] = 1.5f;
        assertRefused(new Trainer().epochs(1).batchSize(8).loss(Loss.bce()),
                Dataset.regression(series(40 * 5 * 3, 3), 40, 5, 3, null, y, 2, true),
                "training data: expected targets in [0, 1] for bce, got 1.5 at row 21, step 3, column 1");
    }

    /** A checkpoint no save could write was refused only by the first save, after an epoch had trained. */
    @Test
    void aCheckpointFileNoSaveCouldWriteIsRefusedBeforeTraining(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertRefused(new Trainer().epochs(1).checkpoint(dir), DATA, "checkpoint: expected a file, got the directory " + dir);
        java.nio.file.Path missing = dir.resolve("no").resolve("run.ckpt");
        assertRefused(new Trainer().epochs(1).checkpoint(missing), DATA,
                "checkpoint: expected a file in a directory that exists, got " + missing + " (no directory " + missing.getParent() + ")");
    }

    @Test
    void theModelTrainsAfterARefusal() {
        Model m = model();
        Dataset bad = Dataset.regression(series(4 * 5 * 4, 5), 4, 5, 4, null, series(4 * 5 * 2, 6), 2, true);
        Trainer t = new Trainer().epochs(2).validationData(bad);
        assertThrows(IllegalArgumentException.class, () -> t.fit(m, DATA));
        Trainer.History h = t.validationData(DATA.subset(Dataset.range(40), 0, 8)).fit(m, DATA);
        assertEquals(2, h.epochs().size());
        assertTrue(Double.isFinite(h.epochs().get(1).validation().loss()));
        List<Param> ps = m.params();
        assertFalse(ps.isEmpty());
    }
}
