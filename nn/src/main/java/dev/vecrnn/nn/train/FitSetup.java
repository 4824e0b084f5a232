package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.model.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * What {@link Trainer#check} builds for a run before its first batch, and the checks it makes on the way: the data
 * against the model and the loss, the split into training and validation rows, the optimizer and schedule the
 * factories make, the settings a checkpoint records, and after {@link Trainer#resumeFrom} the checkpoint read back
 * (its weights not yet loaded). A {@link Trainer.Plan} holds one; {@link FitLoop} trains with it.
 */
final class FitSetup {
    final Model model;
    final Dataset train;
    final Dataset val;
    final Loss loss;
    final Optimizer opt;
    final Schedule sched;
    final Map<String, String> settings;
    final Checkpoint.Run run;
    final Map<String, Tensor> weights;
    final int batches;

    FitSetup(Trainer t, Model model, Dataset data) {
        this.model = model;
        if (t.checkpointFile != null) TrainingChecks.requireCheckpointTarget(t.checkpointFile);
        TrainingChecks.requireFits(model, data, "training data");
        TrainingChecks.requireFinite(data, "training data");
        Dataset validation = t.validation;
        if (validation != null) {
            TrainingChecks.requireFits(model, validation, "validation data");
            TrainingChecks.requireSameKind(data, validation);
            TrainingChecks.requireFinite(validation, "validation data");
        }
        this.loss = t.loss == null ? Loss.defaultFor(data) : t.loss;
        TrainingChecks.requireTargets(loss, model, data, "training data");
        if (validation != null) TrainingChecks.requireTargets(loss, model, validation, "validation data");
        Dataset[] split = split(t, data);
        this.train = split[0];
        this.val = split[1];
        TrainingChecks.requireWeight(loss, train, "training rows", "nothing would train");
        if (val != null) TrainingChecks.requireWeight(loss, val, "validation rows", "early stopping and the best epoch would mean nothing");
        this.opt = t.optimizer.apply(model.params());
        if (opt == null) throw new IllegalArgumentException("optimizer: expected the factory to make an Optimizer, got null");
        TrainingChecks.requireModelParams(model, opt);
        this.sched = t.schedule == null ? null : t.schedule.apply(opt);
        if (t.schedule != null && sched == null) throw new IllegalArgumentException("schedule: expected the factory to make a Schedule, got null");
        TrainingChecks.requireScheduleOf(opt, sched);
        this.settings = settings(t, data, opt, sched);
        Checkpoint.Resumed resumed;
        try {
            Map<String, String> absent = new LinkedHashMap<>();
            absent.put(Checkpoint.VALIDATION_ROWS, heldOut(t, Math.round(data.size() * t.validationSplit), data.size()));
            t.callerSettings.forEach((k, v) -> absent.put(k, v[1]));
            resumed = t.resumeFrom == null ? new Checkpoint.Resumed(new Checkpoint.Run(), null)
                    : Checkpoint.read(t.resumeFrom, model, opt, sched, settings, absent);
        } catch (IOException ex) {
            throw new UncheckedIOException(t.resumeFrom + ": cannot resume: " + ex.getMessage(), ex);
        }
        this.batches = (int) ((train.size() + (long) t.batchSize - 1) / t.batchSize); // long: a batch size near Integer.MAX_VALUE
        if (t.resumeFrom != null && resumed.run().batch > batches) {
            throw new IllegalArgumentException(t.resumeFrom + ": checkpoint metadata 'batch': expected at most the " + batches
                    + " batches of an epoch, got " + resumed.run().batch);
        }
        this.run = resumed.run();
        this.weights = resumed.weights();
    }

    /**
     * {training, validation} rows of data under {@code t}'s split; validation is {@link Trainer#validationData} without
     * one. The rows are drawn in the order {@code t}'s seed shuffles them, as {@link Trainer#fit} takes them.
     */
    static Dataset[] split(Trainer t, Dataset data) {
        int[] order = Dataset.range(data.size());
        shuffle(order, new Random(t.seed));
        if (t.validationSplit == 0) return new Dataset[] {data, t.validation};
        int nVal = Trainer.validationRowCount(data.size(), t.validationSplit);
        if (nVal < 1 || nVal >= data.size()) {
            throw new IllegalArgumentException("validation split: " + t.validationSplit + " of " + Plural.count(data.size(), "row") + " leaves no "
                    + (nVal < 1 ? "validation" : "training") + " rows");
        }
        if (t.validationLast) {
            int[] rows = Dataset.range(data.size());
            return new Dataset[] {data.subset(rows, 0, data.size() - nVal), data.subset(rows, data.size() - nVal, data.size())};
        }
        return new Dataset[] {data.subset(order, nVal, data.size()), data.subset(order, 0, nVal)};
    }

    /** Fisher-Yates by {@code rnd}: the order of the split's rows (by the seed) and of each epoch's (by its own seed). */
    static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /**
     * {@link Checkpoint#VALIDATION_ROWS}'s value: "none" without a split, else "K of N rows". Checkpoints written
     * before the count was recorded do not hold it; they held out {@code round(N * F)} rows and read as that,
     * so a resume whose split now holds out other rows is refused rather than validating on rows it trained on.
     */
    private static String heldOut(Trainer t, long rows, int n) {
        return t.validationSplit == 0 ? "none" : rows + " of " + n + " rows";
    }

    /** What a checkpoint must share with the trainer that resumes from it. */
    private static Map<String, String> settings(Trainer t, Dataset data, Optimizer opt, Schedule sched) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("seed", Long.toString(t.seed));
        s.put("batch_size", Integer.toString(t.batchSize));
        s.put("validation_split", t.validationSplit + (t.validationLast ? " (last rows)" : ""));
        s.put("tbptt", t.tbpttK1 + "," + t.tbpttK2);
        s.put("data", data.size() + " rows, hash " + Integer.toHexString(TrainingChecks.dataHash(data)));
        s.put("validation_data", t.validation == null ? "none" : t.validation.size() + " rows, hash " + Integer.toHexString(TrainingChecks.dataHash(t.validation)));
        // after the data, so that other data is named as such first
        s.put(Checkpoint.VALIDATION_ROWS, heldOut(t, Trainer.validationRowCount(data.size(), t.validationSplit), data.size()));
        s.put("optimizer", opt.getClass().getName());
        s.put("schedule", sched == null ? "none" : sched.getClass().getName());
        // only when weighted, so checkpoints of unweighted runs read as before; Checkpoint.read refuses the key either way round
        // (the loss the trainer was given, not the default the run picked for a null one)
        float[] w = t.loss instanceof CrossEntropyLoss ce ? ce.weight() : t.loss instanceof BceWithLogitsLoss b ? b.posWeight() : null;
        if (w != null) s.put(Checkpoint.LOSS_WEIGHTS, t.loss + "");
        t.callerSettings.forEach((k, v) -> s.put(k, v[0]));
        return s;
    }
}
