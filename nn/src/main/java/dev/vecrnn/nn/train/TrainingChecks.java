package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.model.Model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks {@link Trainer} makes of a run: before its first batch, of the data against the model and the loss,
 * of the optimizer and schedule the factories made and of the checkpoint file to write ({@link Trainer#check});
 * after each backward pass, of the gradients ({@link #nonFiniteGradient}). And the data's fingerprint a checkpoint
 * records and a resume must match ({@link #dataHash}). The {@code require} methods throw the
 * {@link IllegalArgumentException}s that {@link Trainer#fit} documents; none of them changes anything.
 */
final class TrainingChecks {
    private TrainingChecks() {
    }

    /**
     * Refuses data that do not fit the model, before anything trains on them (validation data would
     * otherwise be refused only at the end of the first epoch): the features per step, one target per step
     * or per sequence as the model outputs, and float targets as wide as the output.
     */
    static void requireFits(Model model, Dataset d, String what) {
        if (d.features() != model.inputFeatures()) {
            throw new IllegalArgumentException(what + ": expected " + model.inputFeatures() + " features per step (the model's input), got "
                    + d.features());
        }
        ValidRows.requireFit(what, d, model.outputIsSequence(), model.outputFeatures());
    }

    /**
     * Refuses the targets a built-in loss would refuse only at the batch holding them, after the batches
     * before it had trained: a class id outside [0, C) but for the ignore index under cross-entropy (C the
     * model's outputs, or the loss's classes), a value outside [0, 1] under bce. Padding is not scored, so not
     * checked; a loss of one's own checks its own targets.
     */
    static void requireTargets(Loss loss, Model model, Dataset d, String what) {
        int per = d.perStep() ? d.steps() : 1;
        boolean labels = loss == CrossEntropyLoss.FROM_LOGITS || loss instanceof CrossEntropyLoss;
        boolean floats = loss instanceof MseLoss || loss instanceof MaeLoss || loss instanceof BceWithLogitsLoss;
        // the kind of target, as the loss itself refuses it at the first batch: here before a checkpoint is resumed into the model
        if (labels && d instanceof Dataset.Regression) throw new IllegalArgumentException(loss + ": expected class labels, got float targets");
        if (floats && d instanceof Dataset.Classification) throw new IllegalArgumentException(loss + ": expected float targets, got class labels");
        if (loss instanceof BceWithLogitsLoss b && b.posWeight() != null && b.posWeight().length != model.outputFeatures()) {
            throw new IllegalArgumentException(loss + ": expected one positive weight per output of the model, " + model.outputFeatures()
                    + ", got " + b.posWeight().length);
        }
        if (d instanceof Dataset.Classification c && labels) {
            CrossEntropyLoss ce = loss instanceof CrossEntropyLoss l ? l : new CrossEntropyLoss(model.outputFeatures());
            int[] y = c.labels();
            for (int i = 0; i < y.length; i++) {
                if (y[i] != ce.ignoreIndex() && (y[i] < 0 || y[i] >= ce.classes()) && valid(d, i, per)) {
                    throw new IllegalArgumentException(what + ": expected a class index in [0, " + ce.classes() + ") or the ignore index "
                            + ce.ignoreIndex() + " for " + loss + ", got " + y[i] + " at " + where(d, i, per));
                }
            }
        } else if (d instanceof Dataset.Regression r && loss instanceof BceWithLogitsLoss) {
            int w = r.targetWidth();
            float[] y = r.targets();
            for (int i = 0; i < y.length; i++) {
                if (!(y[i] >= 0 && y[i] <= 1) && valid(d, i / w, per)) {
                    throw new IllegalArgumentException(what + ": expected targets in [0, 1] for " + loss + ", got " + y[i] + " at "
                            + where(d, i / w, per) + ", column " + (i % w));
                }
            }
        }
    }

    /**
     * Refuses rows that all weigh 0 under a cross-entropy (each at the ignore index, or of a class of weight 0): their
     * mean loss is 0/0, NaN in PyTorch (here 0, which would look like a perfect fit), so {@code consequence}.
     */
    static void requireWeight(Loss loss, Dataset d, String what, String consequence) {
        if (Evaluation.ignoreIndex(loss) != null && d instanceof Dataset.Classification && Evaluation.countedWeight(loss, d) == 0) {
            throw new IllegalArgumentException(what + ": every one weighs 0 (a class of weight 0, or the ignore index) under " + loss
                    + ", so their mean loss is 0/0 and " + consequence + "; give their classes a weight above 0, or labels other than the ignore index");
        }
    }

    /** Row {@code r} of {@code perSequence} rows per sequence, as a message names it: the sequence, and the step if per step. */
    private static String where(Dataset d, int r, int perSequence) {
        return "row " + r / perSequence + (d.perStep() ? ", step " + r % perSequence : "");
    }

    /**
     * Refuses a checkpoint file no save could write, before anything trains (the first save would fail only
     * at the end of the first epoch, or after the first everyBatches batches): a directory, or a file in a
     * directory that does not exist.
     */
    static void requireCheckpointTarget(Path file) {
        if (Files.isDirectory(file)) throw new IllegalArgumentException("checkpoint: expected a file, got the directory " + file);
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("checkpoint: expected a file in a directory that exists, got " + file + " (no directory " + dir + ")");
        }
    }

    /** Refuses validation targets of another kind than the training data's: class labels against float targets, or the converse. */
    static void requireSameKind(Dataset data, Dataset validation) {
        if (validation.getClass() != data.getClass()) {
            throw new IllegalArgumentException("validation data: expected " + targetKind(data) + " as the training data has, got "
                    + targetKind(validation));
        }
    }

    private static String targetKind(Dataset d) {
        return d instanceof Dataset.Classification ? "class labels" : "float targets";
    }

    /**
     * The optimizer must update the model's params (all of them, or some to train only those): one over
     * another model's would step that model and leave this one as it was, silently.
     */
    static void requireModelParams(Model model, Optimizer opt) {
        Set<float[]> own = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Param p : model.params()) own.add(p.data());
        List<Param> theirs = opt.params();
        if (theirs == null) throw new IllegalArgumentException("optimizer: expected params() of the optimizer, got null");
        for (Param p : theirs) {
            if (p == null) throw new IllegalArgumentException("optimizer: expected params() without null, got a null param");
            if (!own.contains(p.data())) {
                throw new IllegalArgumentException("optimizer: expected an optimizer over the model's params (the list the factory is given,"
                        + " or part of it), got one over " + p.name() + ", which is not the model's");
            }
        }
    }

    /** Refuses NaN and infinity in the inputs (valid steps) and regression targets, naming where. */
    static void requireFinite(Dataset d, String what) {
        int f = d.features();
        for (int r = 0; r < d.size(); r++) {
            int len = d.lengthOf(r);
            for (int t = 0; t < len; t++) {
                for (int k = 0; k < f; k++) {
                    float v = d.x()[(r * d.steps() + t) * f + k];
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException(what + ": input is " + v + " at row " + r + ", step " + t + ", feature " + k
                                + "; expected finite numbers (remove or impute the sample)");
                    }
                }
            }
        }
        if (!(d instanceof Dataset.Regression r)) return;
        int w = r.targetWidth();
        float[] y = r.targets();
        for (int i = 0; i < y.length; i++) {
            if (!Float.isFinite(y[i])) {
                int row = d.perStep() ? i / w / d.steps() : i / w;
                int step = d.perStep() ? i / w % d.steps() : -1;
                if (step >= d.lengthOf(row)) continue; // padding past the sequence's length is never scored
                String at = "row " + row + (step >= 0 ? ", step " + step : "") + ", column " + (i % w);
                throw new IllegalArgumentException(what + ": target is " + y[i] + " at " + at + "; expected finite numbers");
            }
        }
    }

    /** Refuses a built-in schedule of another optimizer: it would set that one's learning rate, and this one's would stay as it is. */
    static void requireScheduleOf(Optimizer opt, Schedule sched) {
        Optimizer scheduled = sched instanceof ClosedFormLrScheduler c ? c.optimizer : sched instanceof ReduceLROnPlateau p ? p.optimizer : opt;
        if (scheduled != opt) {
            throw new IllegalArgumentException("schedule: expected a schedule of the optimizer the factory is given, got one of another optimizer");
        }
    }

    /**
     * Where a gradient is not finite, or null. The params are scanned as the optimizer holds them (a recurrent layer's
     * gate weights packed in one array); only on a fault is the place named by the model's {@link Model#gradDict} names
     * and shapes ({@code layers.0.weight_hh_l0 at [5, 2]}), as PyTorch's state_dict names it.
     */
    static String nonFiniteGradient(Model model, List<Param> params) {
        Param bad = null;
        int at = -1;
        for (int k = 0; k < params.size() && bad == null; k++) {
            float[] g = params.get(k).grad();
            for (int i = 0; i < g.length; i++) {
                if (!Float.isFinite(g[i])) {
                    bad = params.get(k);
                    at = i;
                    break;
                }
            }
        }
        if (bad == null) return null;
        for (Map.Entry<String, Tensor> e : model.gradDict().entrySet()) {
            float[] g = e.getValue().data();
            for (int i = 0; i < g.length; i++) {
                if (Float.isFinite(g[i])) continue;
                int[] shape = e.getValue().shape();
                int[] idx = new int[shape.length];
                for (int d = shape.length - 1, r = i; d >= 0; d--) {
                    idx[d] = r % shape[d];
                    r /= shape[d];
                }
                return "the gradient of " + e.getKey() + " is " + g[i] + " at " + Arrays.toString(idx);
            }
        }
        // a param of the optimizer's that the model does not name (not one of its own)
        return "the gradient of " + bad.name() + " is " + bad.grad()[at] + " at index " + at;
    }

    /**
     * Arrays.hashCode of x, the targets and the lengths, with the padding (which training ignores) read as
     * zeros: data that differ only there train alike and hash alike.
     */
    static int dataHash(Dataset d) {
        int h = 1, f = d.features(), per = d.perStep() ? d.steps() : 1;
        for (int i = 0; i < d.x().length; i++) h = 31 * h + Float.floatToIntBits(valid(d, i / f, d.steps()) ? d.x()[i] : 0f);
        int rowHash = 1;
        if (d instanceof Dataset.Classification c) {
            int[] y = c.labels();
            for (int i = 0; i < y.length; i++) rowHash = 31 * rowHash + (valid(d, i, per) ? y[i] : 0);
        } else {
            Dataset.Regression r = (Dataset.Regression) d;
            int w = r.targetWidth();
            float[] y = r.targets();
            for (int i = 0; i < y.length; i++) rowHash = 31 * rowHash + Float.floatToIntBits(valid(d, i / w, per) ? y[i] : 0f);
        }
        h = 31 * h + rowHash;
        return 31 * h + Arrays.hashCode(d.lengths());
    }

    /** Whether row {@code r} of {@code perSequence} rows per sequence (steps, or 1) is a valid step, not padding. */
    private static boolean valid(Dataset d, int r, int perSequence) {
        return perSequence == 1 || r % perSequence < d.lengthOf(r / perSequence);
    }
}
