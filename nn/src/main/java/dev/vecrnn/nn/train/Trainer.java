package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.model.Model;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Keras's {@code fit}: epochs of shuffled mini-batches, backpropagation through time, an optimizer
 * (Adam by default), optional gradient clipping and learning-rate schedule, a validation split with
 * early stopping that restores the best weights, and a callback per epoch. The seed fixes the
 * shuffling, the split and dropout, so the same seed (and thread count) gives the same weights bit for bit;
 * each epoch's shuffle and each batch's dropout use a generator derived from the seed, the epoch and the batch.
 *
 * <p>No lost work: {@link #checkpoint(Path, int)} saves atomically every N batches and every epoch, and
 * {@link #resumeFrom} continues from such a file to the same weights as an uninterrupted run. Numerical
 * faults: NaN or infinity in the data is refused before training; a non-finite loss or gradient stops
 * training or skips that step, as {@link #nonFinite} says.
 *
 * <p>A run's settings are the trainer's when {@code fit} starts, as Keras's {@code fit(epochs=..., batch_size=...)}
 * arguments are: while it runs, every setter throws an {@link IllegalStateException} naming itself and changes
 * nothing (a callback that called {@code epochs(n)} or {@code batchSize(n)} would otherwise expect the run to change),
 * and so does a second {@code fit} of this trainer. Set them before {@code fit} or after it returns, for the next
 * run. To end a run early from a callback, call {@link #stopTraining} (Keras's {@code model.stop_training = True});
 * to end it at once, throw from the callback (the weights stay as the last step left them; no history is returned).
 */
public final class Trainer {
    /**
     * One epoch's figures, handed to the callback. {@code trainLoss} is the mean over the batches that were
     * applied and scored a row: a batch whose rows all weigh 0 (each at a cross-entropy's ignore index, or of a class
     * of weight 0) has no loss, PyTorch's 0/0, and is left out of the mean rather than counted as 0 (its zero gradient
     * is still stepped, as PyTorch's zero gradient there would be); NaN when no batch counts, a mean over none, which
     * early stopping without validation data never takes for an improvement. {@code skippedSteps} counts optimizer steps skipped under
     * {@link NonFinitePolicy#SKIP_BATCH}; {@code millis} of an epoch resumed mid-way adds the time before the interruption.
     */
    public record Epoch(int epoch, int epochs, double trainLoss, Evaluation validation, double learningRate,
                        long millis, boolean improved, int skippedSteps) {
    }

    /** Progress within an epoch: batches done of total, the running mean loss (NaN while no batch has counted, as in {@link Epoch}). */
    public record Progress(int epoch, int batch, int batches, double meanLoss) {
    }

    public record History(List<Epoch> epochs, int bestEpoch, boolean stoppedEarly) {
        public History {
            Require.notNull("epochs", epochs);
        }
    }

    // The configuration, which the setters write and FitSetup and FitLoop read (package-private for them).
    Loss loss;
    Function<List<Param>, Optimizer> optimizer = ps -> new Adam(ps, 1e-3);
    Function<Optimizer, ? extends Schedule> schedule;
    int epochs = 10;
    int batchSize = 32;
    double validationSplit = 0;
    boolean validationLast;
    Dataset validation;
    long seed = 0;
    double clipNorm = 0;
    double clipValue = 0;
    int patience = -1;
    boolean restoreBest = true;
    Consumer<Epoch> onEpoch = e -> { };
    Consumer<Progress> onBatch = p -> { };
    int tbpttK1 = 0;
    int tbpttK2 = 0;
    int threads = 1;
    Path checkpointFile;
    int checkpointEvery;
    Path resumeFrom;
    NonFinitePolicy nonFinite = NonFinitePolicy.STOP;
    /** The caller's own settings ({@link #setting}): name to {value, what a checkpoint without it reads as}. */
    final Map<String, String[]> callerSettings = new LinkedHashMap<>();
    /** Counts the setter calls: a {@link Plan} made before the last one is of another configuration. */
    private long revision;
    /** Whether a {@link #fit} of this trainer is under way: its setters refuse, and so does a second fit. */
    private final AtomicBoolean running = new AtomicBoolean();
    /** {@link #stopTraining}'s request to the run under way, cleared as each run starts. */
    private volatile boolean stopRequested;

    /** What every setter returns: this trainer, its revision counted, so that a {@link Plan} made before is refused. */
    private Trainer changed() {
        revision++;
        return this;
    }

    /**
     * What every setter checks first: that no run is under way, since a run's settings are those of fit's start. A
     * setter called from a run's own callback (or another thread) would otherwise change nothing of the run and
     * surprise the caller who meant it to.
     */
    private void idle(String setter) {
        if (running.get()) {
            throw new IllegalStateException(setter + ": this trainer's fit is running, and a run's settings are fixed when fit starts;"
                    + " set it before fit or after it returns, or call stopTraining() to end the run early");
        }
    }

    /**
     * Asks the run under way to stop, as Keras's {@code model.stop_training = True} does: called from an
     * {@link #onBatch} callback, no batch of that epoch follows; the epoch then ends as any does (validation, early
     * stopping's bookkeeping, the schedule's step, {@link #onEpoch}, its checkpoint), and the run ends after it, its
     * {@link History#stoppedEarly()} true and the best weights restored as {@link #earlyStopping} says. The checkpoint
     * that epoch writes does not record the stop (Keras does not keep {@code stop_training} either): a resume from it
     * goes on with the next epoch, as after an interrupted run, where one of an early stop trains no further. Safe to
     * call from any thread; outside a run it does nothing (each run starts without a request, as Keras's {@code fit}
     * clears {@code stop_training}). Not a setting: it neither stales a {@link Plan} nor is refused during a run.
     */
    public synchronized void stopTraining() {
        if (running.get()) stopRequested = true;
    }

    /** Whether {@link #stopTraining} was called during the run under way. */
    boolean stopRequested() {
        return stopRequested;
    }

    /** Threads for the batched products (1 by default); the same seed and thread count give the same weights. */
    public synchronized Trainer threads(int n) {
        idle("threads");
        if (n < 1) throw new IllegalArgumentException("threads: expected >= 1, got " + n);
        this.threads = n;
        return changed();
    }

    /**
     * The loss to train with, which validation, early stopping and the history measure too: a built-in
     * ({@link Loss#mse()}, {@link Loss#crossEntropy()}, ...) or your own {@link Loss}. Null (the default) picks
     * {@link Loss#defaultFor} the training data. A checkpoint does not record it (only a built-in's class or positive
     * weights): resume with the same loss. A weighted loss weighs validation too, as the same
     * {@code nn.CrossEntropyLoss(weight=w)} in a PyTorch validation loop would (Keras's {@code class_weight}
     * weighs training only); {@link Evaluation} then divides by the weights' sum over the whole set.
     */
    public synchronized Trainer loss(Loss loss) {
        idle("loss");
        this.loss = loss;
        return changed();
    }

    public synchronized Trainer optimizer(Function<List<Param>, Optimizer> factory) {
        idle("optimizer");
        Require.notNull("factory", factory);
        this.optimizer = factory;
        return changed();
    }

    /**
     * A schedule made from the optimizer, driven once per epoch: an {@link LrScheduler} (by the epoch
     * count) or a {@link ReduceLROnPlateau} (by the validation loss); see {@link Schedule}.
     */
    public synchronized Trainer schedule(Function<Optimizer, ? extends Schedule> factory) {
        idle("schedule");
        this.schedule = factory;
        return changed();
    }

    public synchronized Trainer epochs(int n) {
        idle("epochs");
        if (n < 1) throw new IllegalArgumentException("epochs: expected >= 1, got " + n);
        this.epochs = n;
        return changed();
    }

    public synchronized Trainer batchSize(int n) {
        idle("batchSize");
        if (n < 1) throw new IllegalArgumentException("batch size: expected >= 1, got " + n);
        this.batchSize = n;
        return changed();
    }

    /** Holds out this fraction of the (shuffled) data for validation. */
    public synchronized Trainer validationSplit(double f) {
        return validationSplit(f, false);
    }

    /**
     * Holds out this fraction of the data for validation: rows drawn at random (by the seed), or with
     * {@code lastRows} the last rows in their order, as Keras's {@code validation_split} takes them (for
     * windows in time order: validation after training, no overlap leaking into it). The count is
     * {@link #validationRowCount}; a checkpoint records it (setting {@code validation_rows}), and one that does not
     * (written before the count was recorded) reads as the older {@code round(n * f)}, so resuming it where the
     * counts differ fails with a {@link CheckpointMismatchException} naming that setting. (Library checkpoints of the
     * few development builds that counted as Keras before recording it are refused so too; start those afresh.)
     */
    public synchronized Trainer validationSplit(double f, boolean lastRows) {
        idle("validationSplit");
        if (!(f >= 0 && f < 1)) throw new IllegalArgumentException("validation split: expected in [0, 1), got " + f);
        this.validationSplit = f;
        this.validationLast = lastRows;
        return changed();
    }

    public synchronized Trainer validationData(Dataset data) {
        idle("validationData");
        this.validation = data;
        return changed();
    }

    public synchronized Trainer seed(long s) {
        idle("seed");
        this.seed = s;
        return changed();
    }

    /** Rescales the gradients to a global norm of at most {@code max}; 0 turns it off. */
    public synchronized Trainer clipNorm(double max) {
        idle("clipNorm");
        if (!(max >= 0 && max < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("max: expected a finite norm >= 0 (0: off), got " + max);
        this.clipNorm = max;
        return changed();
    }

    /** Clamps each gradient entry to [-v, v]; 0 turns it off. */
    public synchronized Trainer clipValue(double v) {
        idle("clipValue");
        if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("v: expected a finite clip value >= 0 (0: off), got " + v);
        this.clipValue = v;
        return changed();
    }

    /**
     * Stops after {@code patience} epochs in a row without a better validation loss (the training loss without
     * validation data), as Keras's and Lightning's {@code EarlyStopping} do: with patience 2, an epoch that does not
     * improve on the best and the next one that does not either end training; 0 stops at the first such epoch,
     * as 1 does. Restores the best weights if asked.
     */
    public synchronized Trainer earlyStopping(int patience, boolean restoreBest) {
        idle("earlyStopping");
        if (patience < 0) throw new IllegalArgumentException("patience: expected >= 0, got " + patience);
        this.patience = patience;
        this.restoreBest = restoreBest;
        return changed();
    }

    public synchronized Trainer onEpoch(Consumer<Epoch> callback) {
        idle("onEpoch");
        Require.notNull("callback", callback);
        this.onEpoch = callback;
        return changed();
    }

    public synchronized Trainer onBatch(Consumer<Progress> callback) {
        idle("onBatch");
        Require.notNull("callback", callback);
        this.onBatch = callback;
        return changed();
    }

    /**
     * Truncated BPTT for per-step targets: each update runs forward over a window of the last k2 steps
     * (from the state carried at the window's start), takes the loss on its last k1 steps and
     * backpropagates through the whole window; k2 must be a multiple of k1.
     */
    public synchronized Trainer tbptt(int k1, int k2) {
        idle("tbptt");
        if (k1 < 1 || k2 < k1 || k2 % k1 != 0) {
            throw new IllegalArgumentException("tbptt: expected k1 >= 1 and k2 a multiple of k1, got k1 = " + k1 + ", k2 = " + k2);
        }
        this.tbpttK1 = k1;
        this.tbpttK2 = k2;
        return changed();
    }

    /**
     * Saves a checkpoint to {@code file} at the end of every epoch (Keras's {@code ModelCheckpoint}, Lightning's
     * {@code ModelCheckpoint(every_n_epochs=1)}), each replacing the last atomically. See {@link #resumeFrom}.
     */
    public synchronized Trainer checkpoint(Path file) {
        return checkpoint(file, 0);
    }

    /**
     * Saves a checkpoint to {@code file} at the end of every epoch and, if {@code everyBatches} > 0, also after
     * every {@code everyBatches}-th batch of an epoch (after that batch's {@link #onBatch} callback). A checkpoint
     * holds the weights, the optimizer's state, the schedule's counters, the epoch and batch reached, the
     * early-stopping bookkeeping (best loss and weights, epochs since) and the history; the file is written
     * to a temporary file, forced to disk and renamed, so a crash or a failed write leaves the previous one.
     * The temporary file a killed run left is deleted by the next save (or resume) of the same file; two
     * trainers must not write one checkpoint file at once.
     */
    public synchronized Trainer checkpoint(Path file, int everyBatches) {
        idle("checkpoint");
        if (file == null) throw new IllegalArgumentException("checkpoint: expected a file, got null");
        if (everyBatches < 0) throw new IllegalArgumentException("checkpoint: expected every >= 0 batches, got " + everyBatches);
        this.checkpointFile = file;
        this.checkpointEvery = everyBatches;
        return changed();
    }

    /**
     * Makes {@link #fit} continue from a checkpoint written by {@link #checkpoint}: it loads the weights,
     * optimizer, schedule, position and history, then trains the batches and epochs left up to
     * {@link #epochs}. The trainer must be configured as the one that wrote it (seed, batch size,
     * validation split, TBPTT, optimizer and schedule types, the same data and architecture; differences are
     * an error naming them; the loss is not recorded, so a different one is not noticed, but for the
     * class or positive weights of a built-in loss), and the result is then
     * the same, bit for bit, as an uninterrupted run.
     * Like Lightning's {@code fit(ckpt_path=...)}; null trains from scratch. Temporary files left next to it by
     * interrupted saves are deleted once it is read and accepted. {@link #check} refuses a checkpoint that does
     * not fit as {@link #fit} would, without training.
     */
    public synchronized Trainer resumeFrom(Path file) {
        idle("resumeFrom");
        this.resumeFrom = file;
        return changed();
    }

    /**
     * A setting of the caller's that a checkpoint records and a resume must match, as it must match the seed: for
     * a choice the trainer cannot see, such as how the model's weights were initialised or what the outputs
     * mean. A resume whose value differs fails with a {@link CheckpointMismatchException} whose
     * {@link CheckpointMismatchException#setting()} is {@code name}; a checkpoint without the setting (written
     * before the caller recorded it) reads as {@code absentAs}, and a checkpoint with a setting that the resuming
     * trainer does not set is refused too, naming it. The name may not be one of the trainer's own settings (seed,
     * batch_size, ...) nor the architecture; setting a name again replaces its value.
     */
    public synchronized Trainer setting(String name, String value, String absentAs) {
        idle("setting");
        Require.notNull("name", name);
        Require.notNull("value", value);
        Require.notNull("absentAs", absentAs);
        if (Checkpoint.reserved(name)) {
            throw new IllegalArgumentException("name: expected a setting of the caller's own, not empty nor one of the checkpoint's own keys ("
                    + new java.util.TreeSet<>(Checkpoint.RESERVED) + ", history*, plateau_*), got " + dev.vecrnn.nn.io.internal.Untrusted.quote(name));
        }
        callerSettings.put(name, new String[] {value, absentAs});
        return changed();
    }

    /** What to do on a NaN or infinite loss or gradient: {@link NonFinitePolicy#STOP} (the default) or skip the step. */
    public synchronized Trainer nonFinite(NonFinitePolicy policy) {
        idle("nonFinite");
        if (policy == null) throw new IllegalArgumentException("nonFinite: expected a policy, got null");
        this.nonFinite = policy;
        return changed();
    }

    /**
     * Trains {@code model} on {@code data} for the configured epochs (or, after {@link #resumeFrom}, the
     * epochs left) and returns the history of every epoch, the resumed ones included. Whatever it refuses
     * before the first batch, it refuses before it changes the model: it is {@link #check} (which makes those checks
     * alone) and then {@link #fit(Plan)} of what it checked.
     *
     * @throws IllegalArgumentException when the data hold a NaN or infinite value (naming row, step and
     *                                  feature), do not fit the model (the training or validation data: features,
     *                                  targets per step or per sequence, target width; validation targets of another
     *                                  kind than the training data's), the optimizer updates params that are not the
     *                                  model's, a built-in schedule is another optimizer's, the checkpoint file is a directory or in none that exists, all checked
     *                                  before anything trains, the training or validation rows all weigh 0 under the
     *                                  loss's class weights (their mean loss would be 0/0), or the checkpoint to resume
     *                                  from does not fit ({@link CheckpointMismatchException} for other settings)
     * @throws IllegalStateException    while another fit of this trainer runs (called from its callback), as {@link #fit(Plan)}
     * @throws NonFiniteException       under {@link NonFinitePolicy#STOP}, at the first batch with a non-finite loss or gradient
     * @throws UncheckedIOException     when a checkpoint cannot be written or read (an earlier checkpoint stays intact),
     *                                  or the one to resume from is not a regular file (a FIFO, directory or device,
     *                                  refused before it is opened)
     */
    public History fit(Model model, Dataset data) {
        if (running.get()) throw alreadyRunning(); // before check() reads anything or calls a factory
        return fit(check(model, data));
    }

    private static IllegalStateException alreadyRunning() {
        return new IllegalStateException("fit: this trainer's fit is running already (called from its callback, or another thread);"
                + " one trainer runs one fit at a time");
    }

    /**
     * Trains as {@link #fit(Model, Dataset)} does, with what {@link #check} checked and built: the checks are not
     * made again, nor the factories called again, nor the checkpoint to resume from read again. A plan runs once,
     * on the trainer that made it, configured as it was then, and on the model's weights as they were then (an
     * optimizer the factory made, or a checkpoint's state, was made for them): anything else is refused before
     * anything changes. The data are not copied by {@link #check}: their arrays must not change in between.
     *
     * @throws IllegalArgumentException for a plan of another trainer, or null
     * @throws IllegalStateException    for a plan that has run (or is running) already, one made before a setter of
     *                                  this trainer was called, or one whose model's weights changed since
     *                                  ({@link Param#version()}); check again. And while another fit of this trainer
     *                                  runs (called from its callback): one trainer runs one fit at a time
     * @throws NonFiniteException       as {@link #fit(Model, Dataset)}
     * @throws UncheckedIOException     when a checkpoint cannot be written
     */
    public History fit(Plan plan) {
        Require.notNull("plan", plan);
        if (plan.trainer != this) throw new IllegalArgumentException("plan: expected a plan of this trainer's check, got one of another trainer");
        FitLoop loop;
        // A setter (synchronized, as this block) runs wholly before the run starts, where it stales the plan, or after,
        // where it is refused: never between the plan's check and the run, which reads the settings (FitLoop) as they are.
        synchronized (this) {
            if (!running.compareAndSet(false, true)) throw alreadyRunning();
            stopRequested = false;
            try {
                loop = start(plan);
            } catch (RuntimeException | Error e) {
                running.set(false);
                throw e;
            }
        }
        try {
            return loop.run();
        } finally {
            running.set(false);
        }
    }

    /** The plan's checks and the run that trains it, with {@link #running} set. */
    private FitLoop start(Plan plan) {
        String once = "plan: it has run already (a plan runs once); check again";
        if (plan.used.get()) throw new IllegalStateException(once);
        if (plan.revision != revision) {
            throw new IllegalStateException("plan: this trainer's settings changed after the check that made it; check again");
        }
        if (plan.weightsVersion != weightsVersion(plan.setup.model)) {
            throw new IllegalStateException("plan: the model's weights changed after the check that made it (an optimizer step or"
                    + " loadStateDict), and its optimizer was made for those it had then; check again");
        }
        if (!plan.used.compareAndSet(false, true)) throw new IllegalStateException(once);
        return new FitLoop(this, plan.setup);
    }


    /**
     * Makes every check {@link #fit} makes before its first batch, and throws as {@link #fit} would, without
     * training or changing anything: the data against the model and the loss, the loss's weights against the rows,
     * the optimizer and schedule the factories make, the checkpoint file to write, and after {@link #resumeFrom}
     * the checkpoint itself (its settings, architecture, weights, optimizer state and position). The model, the
     * checkpoint and the temporary files beside it are left as they were. What it checked and built (the split, the
     * optimizer and schedule the factories made, a checkpoint's state) it returns as a {@link Plan}, which
     * {@link #fit(Plan)} trains with, checking nothing again; {@link #fit(Model, Dataset)} is this and that. For a
     * caller that must refuse a run before it reports anything of it, as a command line that prints the model's
     * summary and then trains: a resume with other settings is refused here as {@link #fit} would refuse it, with the
     * same {@link CheckpointMismatchException}.
     *
     * @throws IllegalArgumentException as {@link #fit} (a {@link CheckpointMismatchException} for a checkpoint
     *                                  written with other settings or for another architecture)
     * @throws UncheckedIOException     when the checkpoint to resume from cannot be read, as {@link #fit}
     */
    public Plan check(Model model, Dataset data) {
        Require.notNull("model", model);
        Require.notNull("data", data);
        return new Plan(this, model, data);
    }

    /**
     * A run {@link #check} found fit to train, with what it built for it: the training and validation rows, the
     * loss, the optimizer and schedule the factories made, and after {@link #resumeFrom} the checkpoint's weights
     * (not yet loaded), optimizer state and position. Opaque: {@link #fit(Plan)} of the trainer that made it runs it,
     * once.
     */
    public static final class Plan {
        private final Trainer trainer;
        private final long revision;
        private final FitSetup setup;
        private final long weightsVersion;
        private final AtomicBoolean used = new AtomicBoolean();

        private Plan(Trainer t, Model model, Dataset data) {
            this.trainer = t;
            this.revision = t.revision; // before the factories run, so that one calling a setter makes this plan stale
            this.setup = new FitSetup(t, model, data);
            this.weightsVersion = weightsVersion(model);
        }
    }

    /** The model's params' versions summed: each only grows, so the sum changes whenever any of them does. */
    private static long weightsVersion(Model model) {
        long v = 0;
        for (Param p : model.params()) v += p.version();
        return v;
    }

    /**
     * The rows {@link #fit} trains on: {@code data} less the rows {@link #validationSplit} holds out (all of it
     * without a split), in the order of {@code data}'s rows for the last-rows split, else in the seed's shuffled
     * order. For what must be computed on the training rows alone, such as
     * {@link CrossEntropyLoss#balancedWeights} (Keras and scikit-learn weigh classes by the data fitted).
     *
     * @throws IllegalArgumentException when the split leaves no training or no validation rows
     */
    public Dataset trainingData(Dataset data) {
        Require.notNull("data", data);
        return FitSetup.split(this, data)[0];
    }

    /**
     * The rows {@link #fit} validates on: those {@link #validationSplit} holds out of {@code data}, or without a
     * split the {@link #validationData} given (null without either). For checks of the validation rows before
     * training, as of their class weights.
     *
     * @throws IllegalArgumentException when the split leaves no training or no validation rows
     */
    public Dataset validationRows(Dataset data) {
        Require.notNull("data", data);
        return FitSetup.split(this, data)[1];
    }

    /**
     * The rows a validation split of fraction {@code f} holds out of {@code n}, as Keras 3's
     * {@code validation_split} counts them (its {@code train_validation_split}): the first
     * {@code floor(n * (1 - f))} rows train, in double arithmetic as Python's, and the rest validate. So
     * 0.22 of 10 rows is 3 (7.8 train: 7), and 0.8 of 10 is 9, since 10 * (1 - 0.8) is 1.9999999999999996.
     * 0 where {@code f} is 0 (or below 2^-53, where 1 - f is 1); {@code n} where fewer than one row trains.
     */
    public static int validationRowCount(int n, double f) {
        return n - (int) Math.floor(n * (1.0 - f));
    }

    /** Loss and metrics of the model on a dataset, with the default loss for its targets ({@link Loss#defaultFor}). */
    public static Evaluation evaluate(Model model, Dataset data) {
        Require.notNull("model", model);
        Require.notNull("data", data);
        return Evaluation.of(model, data, Loss.defaultFor(data), 64);
    }
}
