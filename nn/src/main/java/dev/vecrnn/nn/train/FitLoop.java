package dev.vecrnn.nn.train;

import dev.vecrnn.nn.io.internal.AtomicFiles;
import dev.vecrnn.nn.model.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@link Trainer#fit(Trainer.Plan)}'s training, once the plan is accepted: the epochs and their batches, each
 * batch's step (clipping, the non-finite policy, TBPTT), the seeds each epoch's shuffle and each batch's dropout draw
 * from, validation and early stopping at an epoch's end, the callbacks, and the checkpoints written on the way. It
 * reads the trainer's settings from the trainer where it uses them, and what {@link FitSetup} built from the plan:
 * {@code fit} has refused a plan made before a setter was last called, and while this runs every setter is refused
 * ({@code fit}'s start and the setters hold the trainer's lock), so the settings are those of {@code fit}'s start.
 * Of the trainer's state only {@link Trainer#stopTraining}'s request changes during a run, read after each batch
 * and each epoch.
 */
final class FitLoop {
    private final Trainer t;
    private final FitSetup setup;

    FitLoop(Trainer t, FitSetup setup) {
        this.t = t;
        this.setup = setup;
    }

    Trainer.History run() {
        Model model = setup.model;
        if (t.resumeFrom != null) {
            // checked whole by Checkpoint.read against this model: loading them cannot fail half-way
            Checkpoint.load(model, setup.weights);
            // the run that resumes is the one that writes the checkpoint: what a killed save of it left goes
            AtomicFiles.deleteLeftovers(t.resumeFrom);
        }
        model.setThreads(t.threads);
        Checkpoint.Run run = setup.run;
        Dataset train = setup.train, val = setup.val;
        Loss lossFn = setup.loss;
        Optimizer opt = setup.opt;
        Schedule sched = setup.sched;
        Map<String, String> settings = setup.settings;
        int batches = setup.batches;
        ValidRows.Scored scored = new ValidRows.Scored(); // each batch's loss and the weight it divided by, written over
        boolean halted = false; // Trainer.stopTraining: this run ends, a resume of its checkpoint goes on
        while (run.epoch <= t.epochs && !run.stopped && !halted) {
            int e = run.epoch;
            long t0 = System.nanoTime() - run.millis * 1_000_000;
            int[] idx = Dataset.range(train.size());
            FitSetup.shuffle(idx, new Random(derivedSeed(e, -1)));
            for (int b = run.batch; b < batches; b++) {
                Dataset part = train.subset(idx, b * t.batchSize, Math.min(train.size(), (b + 1) * t.batchSize));
                Random rnd = new Random(derivedSeed(e, b));
                double value = t.tbpttK1 > 0 && part.perStep() ? trainTbptt(model, opt, part, lossFn, rnd, run, scored)
                        : trainStep(model, opt, part, lossFn, rnd, run, scored);
                // NaN: a skipped step, or a batch of no row that counts, which has no loss (PyTorch's NaN), not a 0 in the epoch's mean
                if (!Double.isNaN(value)) {
                    run.lossSum += value;
                    run.counted++;
                }
                run.batch = b + 1;
                t.onBatch.accept(new Trainer.Progress(e, b + 1, batches, run.lossSum / run.counted));
                if (t.checkpointFile != null && t.checkpointEvery > 0 && run.batch % t.checkpointEvery == 0 && run.batch < batches) {
                    run.millis = (System.nanoTime() - t0) / 1_000_000;
                    saveCheckpoint(model, opt, sched, run, settings);
                }
                if (t.stopRequested()) break; // Keras's fit breaks its batch loop on stop_training, then ends the epoch
            }
            Evaluation ev = val == null ? null : Evaluation.of(model, val, lossFn, Math.max(t.batchSize, 64));
            double trainLoss = run.counted == 0 ? Double.NaN : run.lossSum / run.counted;
            double monitored = ev == null ? trainLoss : ev.loss();
            boolean improved = monitored < run.best;
            if (improved) {
                run.best = monitored;
                run.bestEpoch = e;
                run.since = 0;
                if (t.patience >= 0 && t.restoreBest) run.bestWeights = model.stateDict();
            } else {
                run.since++;
            }
            if (sched != null) sched.epochEnded(monitored);
            Trainer.Epoch rec = new Trainer.Epoch(e, t.epochs, trainLoss, ev, opt.learningRate(), (System.nanoTime() - t0) / 1_000_000, improved, run.skipped);
            run.history.add(rec);
            t.onEpoch.accept(rec);
            // Keras's and Lightning's EarlyStopping: the patience-th epoch in a row without a better loss is the last (0 as 1)
            run.stopped = t.patience >= 0 && run.since >= Math.max(t.patience, 1);
            halted = t.stopRequested();
            run.nextEpoch();
            if (t.checkpointFile != null) saveCheckpoint(model, opt, sched, run, settings);
        }
        // the model's own stateDict, or a checkpoint's best weights that Checkpoint.read checked against the model
        if (run.bestWeights != null && t.restoreBest) Checkpoint.load(model, run.bestWeights);
        return new Trainer.History(List.copyOf(run.history), run.bestEpoch, run.stopped || halted);
    }

    private void saveCheckpoint(Model model, Optimizer opt, Schedule sched, Checkpoint.Run run, Map<String, String> settings) {
        try {
            Checkpoint.write(t.checkpointFile, model, opt, sched, run, settings);
        } catch (IOException ex) {
            throw new UncheckedIOException(t.checkpointFile + ": checkpoint at epoch " + run.epoch + ", batch " + run.batch
                    + " could not be written (any earlier checkpoint there is intact): " + (ex instanceof java.nio.file.FileSystemException f
                    && f.getReason() != null ? f.getReason() : ex.getMessage()), ex);
        }
    }

    /**
     * The seed of epoch {@code e}'s shuffle ({@code b} = -1) or of batch {@code b}'s dropout: a mix of the
     * trainer's seed, the epoch and the batch, so any batch's randomness can be recreated on resuming.
     */
    private long derivedSeed(int e, int b) {
        return mix(mix(t.seed + 0x9E3779B97F4A7C15L * e) + 0xC2B2AE3D27D4EB4FL * (b + 2L));
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * One batch's step: its loss, or NaN when the step was skipped or no row counted (all weigh 0, whose zero gradient
     * is stepped all the same). {@code scored}: the caller's, written over.
     */
    private double trainStep(Model model, Optimizer opt, Dataset part, Loss lossFn, Random rnd, Checkpoint.Run run, ValidRows.Scored scored) {
        opt.zeroGrad();
        Model.Trace tr = model.forward(part.inputs(), true, rnd);
        float[] grad = new float[tr.output().data().length];
        ValidRows.score(lossFn, tr.output(), part, grad, scored);
        model.backward(tr, tr.output().withData(grad, tr.output().features()));
        return update(model, opt, scored.value, run, 0) && scored.weight > 0 ? scored.value : Double.NaN;
    }

    /**
     * Clips and steps unless the loss or a gradient is not finite, which the policy either stops on or
     * skips (returning false). {@code windowEnd} > 0 names the TBPTT window.
     */
    private boolean update(Model model, Optimizer opt, double loss, Checkpoint.Run run, int windowEnd) {
        String fault = Double.isFinite(loss) ? TrainingChecks.nonFiniteGradient(model, opt.params()) : "the loss is " + loss;
        if (fault != null) {
            String where = "epoch " + run.epoch + ", batch " + (run.batch + 1) + (windowEnd > 0 ? " (TBPTT window ending at step " + windowEnd + ")" : "");
            if (t.nonFinite == NonFinitePolicy.STOP) {
                throw new NonFiniteException(run.epoch, run.batch + 1, where + ": " + fault
                        + "; the weights are those before this batch (lower the learning rate, clip gradients, or choose NonFinitePolicy.SKIP_BATCH)");
            }
            run.skipped++;
            return false;
        }
        if (t.clipValue > 0) Clip.byValue(model.params(), t.clipValue);
        if (t.clipNorm > 0) Clip.byGlobalNorm(model.params(), t.clipNorm);
        opt.step();
        return true;
    }

    private double trainTbptt(Model model, Optimizer opt, Dataset part, Loss lossFn, Random rnd, Checkpoint.Run run, ValidRows.Scored scored) {
        return Tbptt.train(model, part, lossFn, rnd, t.tbpttK1, t.tbpttK2, opt::zeroGrad, (loss, end) -> update(model, opt, loss, run, end), scored);
    }
}
