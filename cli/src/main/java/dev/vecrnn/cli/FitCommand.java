package dev.vecrnn.cli;

import dev.vecrnn.nn.io.internal.AtomicFiles;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.AdamW;
import dev.vecrnn.nn.train.CheckpointMismatchException;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.NonFinitePolicy;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.RmsProp;
import dev.vecrnn.nn.train.Sgd;
import dev.vecrnn.nn.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vecrnn fit}: Keras's fit from a shell, on .npy arrays; saves the best model. */
@Command(name = "fit", mixinStandardHelpOptions = true, defaultValueProvider = FitCommand.Defaults.class,
        description = {"Train a recurrent model on X.npy and Y.npy and save it to MODELDIR/model.safetensors.",
                "X: [N, T, F] floats, or [N, T] token ids with --vocab.",
                "Y: regression targets [N] or [N, K] ([N, T] or [N, T, K] with --per-step); class labels [N] ([N, T] with --per-step),"
                        + " integers, bools or whole floats from 0 (labels 1..K add an unused class 0), or one-hot rows [N, K] ([N, T, K]).",
                "X and Y are used as given, not normalized (as in Keras): standardize features, and regression targets of a large scale,"
                        + " yourself.",
                "Validation: --val rows held out of X (Keras's validation_split), or --val-x and --val-y, arrays of their own"
                        + " (validation_data: all of X trains).",
                "Metrics: loss (cross-entropy, or MSE), accuracy, f1 (macro: the mean over classes), perplexity (not under"
                        + " --class-weight); rmse, mae, mape (percent).",
                "--task multilabel: multi-hot Y [N, K] ([N, T, K]) of 0s and 1s, several labels a row (Y [N], or [N, T], is one"
                        + " label: Keras's Dense(1, sigmoid) binary classifier, where --task classification trains 0/1 labels as two"
                        + " softmax classes), trained with binary"
                        + " cross-entropy on one logit a label (Keras's sigmoid Dense(K) with binary_crossentropy, PyTorch's"
                        + " BCEWithLogitsLoss); metrics: loss (mean BCE), binary_accuracy (Keras's, threshold 0.5), subset_accuracy"
                        + " (every label of a row right), f1_micro, f1_macro (scikit-learn's f1_score on multi-hot arrays)."})
final class FitCommand implements Callable<Integer> {
    @Option(names = "--x", required = true, paramLabel = "X.npy", description = "inputs [N, T, F], or [N, T] token ids with --vocab") Path x;
    @Option(names = "--y", required = true, paramLabel = "Y.npy", description = "targets or class labels, one row per row of X") Path y;
    @Option(names = "--task", required = true, paramLabel = "TASK", description = "regression, classification or multilabel") String task;
    @Option(names = "--out", required = true, paramLabel = "MODELDIR", description = "where model.safetensors goes (the best epoch's model)") Path out;
    @Option(names = "--lengths", paramLabel = "LENGTHS.npy", description = "valid length of each sequence [N]") Path lengths;
    @Option(names = "--per-step", description = "one target per step (many-to-many) instead of one per sequence") boolean perStep;
    @Option(names = "--vocab", description = "X holds token ids below this (at least 2); adds an embedding") Integer vocab;
    @Option(names = "--embed", description = "embedding size with --vocab (default " + DEFAULT_EMBED + ")") Integer embed;
    @Option(names = "--cell", description = "lstm, gru, rnn (tanh) or rnn_relu (default ${DEFAULT-VALUE})", defaultValue = "lstm") String cell;
    @Option(names = "--hidden", description = "hidden size (default ${DEFAULT-VALUE})", defaultValue = "64") int hidden;
    @Option(names = "--layers", description = "recurrent layers (default ${DEFAULT-VALUE})", defaultValue = "1") int layers;
    @Option(names = "--bidirectional", description = "bidirectional recurrent layers") boolean bidirectional;
    @Option(names = "--dropout", description = "dropout between recurrent layers and before the head (default ${DEFAULT-VALUE})", defaultValue = "0") float dropout;
    @Option(names = "--head", description = "many-to-one head: last (each direction's final output, as Keras and PyTorch's h_n) or attention (default ${DEFAULT-VALUE})", defaultValue = "last") String head;
    @Mixin TrainingOptions.Epochs epochs;
    @Mixin TrainingOptions.Batch batch;
    @Option(names = "--optimizer", defaultValue = "adam", description = "adam, adamw (weight decay 0.01, as PyTorch's), sgd (with momentum 0.9;"
            + " Keras's and PyTorch's SGD have none unless asked) or rmsprop (PyTorch's: alpha 0.99) (default ${DEFAULT-VALUE})") String optimizer;
    @Mixin TrainingOptions.LearningRate lr;
    @Option(names = "--clip", defaultValue = "1.0", description = "gradient clipping by global norm, 0 for none (Keras and PyTorch clip only when asked) (default ${DEFAULT-VALUE})") double clip;
    // no annotated defaults: a --val or --val-rows given is refused with --val-x, the defaults are not
    @Option(names = "--val", paramLabel = "<val>", description = "validation fraction, rows drawn at random by --seed, or the last ones with --val-rows last (as Keras's validation_split) (default "
            + DEFAULT_VAL + "; none with --val-x)") Double val;
    @Option(names = "--val-rows", paramLabel = "WHICH",
            description = "random (drawn by --seed) or last (the last rows of X, as Keras's validation_split: for windows in time order) (default random)")
    String valRows;
    @Mixin ValidationArrays valArrays;
    @Option(names = "--patience", defaultValue = "5", description = "early stopping: stop after this many epochs in a row without a better val_loss (as Keras), -1 for none (default ${DEFAULT-VALUE})") int patience;
    @Mixin TrainingOptions.Seed seed;
    @Mixin TrainingOptions.Threads threads;
    @Option(names = "--checkpoint", paramLabel = "FILE", converter = Main.OutputFile.class, description = "save a training checkpoint here (atomically) after every epoch") Path checkpoint;
    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "also save the checkpoint after every N batches (default ${DEFAULT-VALUE}: only per epoch)") int checkpointEvery;
    @Option(names = "--resume", description = "continue from the --checkpoint FILE if it exists (same options and data), else start afresh") boolean resume;
    @Option(names = "--on-non-finite", paramLabel = "POLICY", defaultValue = "stop",
            description = "on a NaN/infinite loss or gradient: stop (an error naming epoch and batch) or skip (the step) (default ${DEFAULT-VALUE})") String onNonFinite;

    @Mixin ClassOptions classOpts;
    @Mixin MultiLabel.PosWeight posWeight;

    @Option(names = "--overwrite", description = "replace MODELDIR/model.safetensors (and a --checkpoint FILE without --resume) if they exist")
    boolean overwrite;

    // --init: how the weights start (a checkpoint records it; a --resume with another is refused)
    @Option(names = "--init", paramLabel = "SCHEME", defaultValue = "pytorch", description = "initial weights: pytorch (PyTorch's defaults:"
            + " U(-1/sqrt(hidden), 1/sqrt(hidden)) for every recurrent weight and bias, the head's as nn.Linear's, embeddings N(0, 1)) or keras"
            + " (Keras's defaults: Glorot-uniform input and head weights, orthogonal recurrent weights, zero biases but an LSTM forget-gate bias"
            + " of 1, embeddings U(-0.05, 0.05)) (default ${DEFAULT-VALUE})")
    String init;

    static final double DEFAULT_VAL = 0.1;

    static final class Defaults extends TrainingOptions.Defaults {
        Defaults() {
            super("--epochs", "20", "--batch", "32", "--lr", "0.001", "--seed", "0", "--threads", "1");
        }
    }

    @Override
    public Integer call() throws Exception {
        Checked o = checkOptions();
        try (Outputs outs = new Outputs(overwrite).inputs(x, y, lengths).inputs(valArrays.files())) {
            Path file = outs.declareIn("--out", out, "model.safetensors");
            if (checkpoint != null) FitResume.checkCheckpoint(outs, checkpoint, file, resume, overwrite);
            Datasets.Loaded in = Datasets.load(x, y, lengths, o.classification, perStep, o.vocab > 0 ? null : "token ids take --vocab V");
            Dataset data = in.data();
            if (o.multilabel) MultiLabel.requireTargets("--y", y, data, true);
            int f = in.features(), width = o.classification ? classOpts.width(in, y) : in.width();
            if (o.vocab > 0) Datasets.tokenIds(x, data, o.vocab);
            validationRows("--val", o.val, data.size(), true);
            Dataset valData = valArrays.load(in, width, classOpts.source(y), x, y, o.classification, perStep, o.vocab);
            if (o.multilabel && valData != null) MultiLabel.requireTargets("--val-y", valArrays.y, valData, true);
            boolean validating = o.val > 0 || valData != null;
            HeapBudget.training(o.type, f, hidden, layers, bidirectional, o.vocab, o.embed, width,
                    o.classification ? classOpts.sized(y, width) : "--y " + y + ": " + width + " targets per row",
                    null, o.batch, data.size(), data.steps());
            Model model = buildModel(o, f, width);
            int[] epochsRun = {0}; // epochs trained by this run (a resumed run reports only those)
            Trainer tr = trainer(o, data, valData, width, validating, epochsRun);
            boolean resuming = resume && Files.exists(checkpoint);
            if (resuming) tr.resumeFrom(checkpoint);
            // the checkpoint's directory, as Keras's ModelCheckpoint makes it (--out run1 --checkpoint run1/ckpt.bin): made for
            // the trainer's check, which wants it, and removed again (outs.close) where the run is refused or fails before a
            // checkpoint is saved in it
            if (checkpoint != null) outs.makeDirectoriesFor("--checkpoint", checkpoint);
            Trainer.Plan plan = check(tr, model, data);
            Training.printNotes(in, valArrays, classOpts, posWeight, o.vocab == 0 ? x : null, y, data);
            System.out.println(model.summary());
            if (resuming) System.out.println("resuming from " + Main.shown(checkpoint));
            Trained t = trainAndSave(o, outs, file, tr, plan, model, data, validating);
            report(o, t, epochsRun[0], validating);
        }
        return 0;
    }

    /** The options, each checked and the combinations checked, as {@link #call} uses them. */
    private record Checked(NonFinitePolicy policy, String task, boolean classification, boolean multilabel,
                           ModelBuilder.InitScheme initScheme, CellType type, String optimizer, String head, int vocab, int embed,
                           int epochs, int batch, double lr, double val, boolean lastRows, int threads, long seed) {
    }

    /** Every check of the options alone and of their combinations, before any file is read: a refusal names the option. */
    private Checked checkOptions() {
        NonFinitePolicy policy = Check.oneOf("--on-non-finite", onNonFinite, "stop", "skip").equals("stop")
                ? NonFinitePolicy.STOP : NonFinitePolicy.SKIP_BATCH;
        String taskName = Check.oneOf("--task", task, "regression", "classification", MultiLabel.TASK);
        boolean classification = taskName.equals("classification"), multilabel = taskName.equals(MultiLabel.TASK);
        ModelBuilder.InitScheme initScheme = initScheme(init);
        CellType type = cellType(cell);
        String opt = Check.oneOf("--optimizer", optimizer, "adam", "adamw", "sgd", "rmsprop");
        String headKind = Check.oneOf("--head", head, "last", "attention");
        if (perStep && headKind.equals("attention")) {
            // the head pools a sequence into one output; a per-step model has none, and the option was dropped without a word
            throw new IllegalArgumentException("--head attention: expected a model of one output a sequence, but --per-step gives one a step"
                    + " (the many-to-one head pools the steps; leave --head out)");
        }
        int vocab = vocab(this.vocab);
        int embed = embed(this.embed, vocab);
        Check.atLeast("--hidden", hidden, 1);
        Check.range("--layers", layers, 1, 64);
        Check.fraction("--dropout", dropout, 0, 1);
        int epochs = this.epochs.get();
        int batch = this.batch.get();
        double lr = this.lr.get();
        Check.finiteAtLeastZero("--clip", clip);
        double val = this.val == null ? (valArrays.given() ? 0 : DEFAULT_VAL) : Check.fraction("--val", this.val, 0, 1);
        boolean lastRows = valRows != null && Check.oneOf("--val-rows", valRows, "random", "last").equals("last");
        Check.atLeast("--patience", patience, -1);
        int threads = this.threads.get();
        long seed = this.seed.get();
        Check.atLeast("--checkpoint-every", checkpointEvery, 0);
        if (multilabel) MultiLabel.refuseClassOptions(classOpts);
        posWeight.check(multilabel);
        classOpts.check(classification);
        valArrays.check(this.val != null ? "--val" : null, valRows != null ? "--val-rows" : null);
        if ((resume || checkpointEvery != 0) && checkpoint == null) {
            throw new IllegalArgumentException((resume ? "--resume" : "--checkpoint-every") + ": expected --checkpoint FILE too");
        }
        return new Checked(policy, taskName, classification, multilabel, initScheme, type, opt, headKind, vocab, embed,
                epochs, batch, lr, val, lastRows, threads, seed);
    }

    /** The model the options describe, for {@code f} features and {@code width} outputs, on --threads threads. */
    private Model buildModel(Checked o, int f, int width) {
        ModelBuilder b = Model.builder(f).seed(o.seed).init(o.initScheme);
        if (o.vocab > 0) b.embedding(o.vocab, o.embed);
        b.recurrent(o.type, hidden, layers, bidirectional, layers > 1 ? dropout : 0f, 0);
        if (dropout > 0) b.dropout(dropout);
        if (!perStep) {
            if (o.head.equals("attention")) b.attention();
            else b.finalStates();  // --bidirectional: the backward direction's final output is at step 0
        }
        b.dense(width);
        Model model = b.build();
        model.setThreads(o.threads);
        return model;
    }

    /**
     * The trainer the options describe (but --resume, which {@link #call} sets where the checkpoint exists): its
     * progress bar and epoch lines, each epoch counted in {@code epochsRun[0]}.
     */
    private Trainer trainer(Checked o, Dataset data, Dataset valData, int width, boolean validating, int[] epochsRun) {
        Trainer tr = new Trainer().epochs(o.epochs).batchSize(o.batch).seed(o.seed).clipNorm(clip).threads(o.threads)
                .optimizer(ps -> switch (o.optimizer) {
                    case "adamw" -> new AdamW(ps, o.lr);
                    case "sgd" -> new Sgd(ps, o.lr, 0.9);
                    case "rmsprop" -> new RmsProp(ps, o.lr);
                    default -> new Adam(ps, o.lr);
                })
                .onBatch(p -> Progress.bar(p.epoch(), o.epochs, p.batch(), p.batches(), p.meanLoss()))
                .onEpoch(e -> {
                    epochsRun[0]++;
                    Progress.epoch(e);
                });
        tr.validationSplit(o.val, o.lastRows);  // lastRows: Keras's validation_split, the last rows before any shuffling
        // Keras's validation_data: all of X trains; the checkpoint records the arrays' row count and hash, so a
        // --resume with other validation arrays (or none, or a split) is refused
        tr.validationData(valData);
        tr.loss(o.classification ? classOpts.loss(tr, data, width, "--y " + y, valArrays.given() ? "--val-y " + valArrays.y : "the --val rows of --y " + y)
                : o.multilabel ? posWeight.loss(tr, data, width, "--y " + y) : Loss.mse());
        FitResume.record(tr, init, o.task);  // what the trainer cannot see: --init, --task
        // --class-weight's and --pos-weight's weights the trainer records itself (loss_weights), refusing a resume with others
        if (patience >= 0 && validating) tr.earlyStopping(patience, true);
        tr.nonFinite(o.policy);
        if (checkpoint != null) tr.checkpoint(checkpoint, checkpointEvery);
        return tr;
    }

    /**
     * Everything fit refuses before its first batch, a checkpoint written with other options among it, refused here: a
     * refusal is its one line, with nothing before it on stdout. The plan is what fit then trains with: nothing
     * checked, read or made here is done twice.
     */
    private Trainer.Plan check(Trainer tr, Model model, Dataset data) {
        try {
            return tr.check(model, data);
        } catch (CheckpointMismatchException e) {
            throw new IllegalArgumentException(FitResume.refusal(e, checkpoint), e);
        }
    }

    /** What a run leaves to report: its history and the saved model's figures on all of X. */
    private record Trained(Trainer.History history, Evaluation onAll) {
    }

    /**
     * Trains the plan, refuses a run that learned nothing, saves the model to {@code file} and commits the outputs,
     * a signal meanwhile removing what was made.
     */
    private Trained trainAndSave(Checked o, Outputs outs, Path file, Trainer tr, Trainer.Plan plan, Model model, Dataset data,
                                 boolean validating) throws Exception {
        // a run stopped by a signal (Ctrl-C, SIGTERM) mid-save leaves the checkpoint's temporary file: the
        // JVM's exit removes it (the checkpoint itself is replaced only by an atomic rename), and the directory
        // made for it where no checkpoint was saved yet
        Thread cleanup = checkpoint == null ? null : new Thread(() -> {
            AtomicFiles.deleteLeftovers(checkpoint);
            outs.removeMadeDirectories();
        });
        if (cleanup != null) Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Trainer.History h = Training.run(() -> tr.fit(plan), Training.fitSteering(o.policy == NonFinitePolicy.STOP));
            Training.learned(h, !validating ? null : valArrays.given() ? "--val-x " + valArrays.x + " and --val-y " + valArrays.y
                    : "the --val rows of --x", Training.fitSteering(false));
            ModelFile.save(model, outs.stage(file), o.task);
            Evaluation ev = Training.finite(o.multilabel ? MultiLabel.evaluate(model, data) : Trainer.evaluate(model, data), "all of --x",
                    Training.fitSteering(false));
            outs.commit();
            return new Trained(h, ev);
        } finally {
            // held until the commit: a signal after training, before the model is in place, still removes what was made
            try {
                if (cleanup != null) Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: nothing to undo
            }
        }
    }

    /** The closing lines: which epoch's weights were kept, the figures on all data, where the model went. */
    private void report(Checked o, Trained t, int epochsRun, boolean validating) {
        Trainer.History h = t.history;
        // early stopping restores the best epoch's weights; without it (--patience -1, --val 0) the last epoch's are kept
        String kept = patience >= 0 && validating
                ? "best epoch " + h.bestEpoch() + (h.stoppedEarly() ? " (stopped early)" : "")
                : "last epoch " + h.epochs().size() + " (" + (validating ? "--patience -1" : "--val 0") + ": no early stopping)";
        if (epochsRun == 0) {
            // as Keras's fit with initial_epoch >= epochs: nothing trains, the checkpoint's model is saved
            System.out.println("nothing left to train: " + (h.stoppedEarly()
                    ? "the checkpoint's run had stopped early after " + h.epochs().size() + " epoch(s)"
                    : "the checkpoint holds " + h.epochs().size() + " epoch(s) and --epochs is " + o.epochs + " (raise --epochs to train on)"));
        }
        System.out.println(kept + "; on all data" + (classOpts.weighted() || posWeight.weighted() ? " (unweighted)" : "") + ": " + Progress.figures("", t.onAll));
        System.out.println("saved " + Main.shown(out.resolve("model.safetensors")));
    }

    /** --vocab: absent (0, X holds features) or the number of distinct token ids, at least 2. */
    static int vocab(Integer vocab) {
        if (vocab != null && vocab < 2) {
            throw new IllegalArgumentException("--vocab: expected the number of distinct token ids, at least 2 (leave --vocab out when X holds features), got "
                    + vocab);
        }
        return vocab == null ? 0 : vocab;
    }

    /** The embedding size when --embed is left out. */
    static final int DEFAULT_EMBED = 32;

    /**
     * --embed: the size of the embedding that --vocab adds, so refused without --vocab (a model of features has none,
     * and the option was dropped without a word, the summary showing no Embedding).
     */
    static int embed(Integer embed, int vocab) {
        if (embed == null) return DEFAULT_EMBED;
        Check.atLeast("--embed", embed, 1);
        if (vocab == 0) {
            throw new IllegalArgumentException("--embed " + embed + ": expected --vocab V too (--embed sizes the embedding of token ids that"
                    + " --vocab adds; X of features goes to the recurrent layer as it is)");
        }
        return embed;
    }

    /** The validation split leaves at least one row on each side (Keras's count, as Trainer takes it); {@code zeroAllowed}: 0 means none. */
    static void validationRows(String option, double val, int n, boolean zeroAllowed) {
        if (val == 0) return;
        int nVal = Trainer.validationRowCount(n, val);
        if (nVal < 1 || nVal >= n) {
            // Keras trains on the first floor(n * (1 - val)) rows: at least one validates for any val above 2^-53, none trains where n * (1 - val) < 1
            // only the ways out that can help: no fraction splits one row, and no data helps a fraction 1 - val rounds to 1
            java.util.List<String> ways = new java.util.ArrayList<>();
            if (n > 1 || nVal < 1) ways.add("a " + (nVal < 1 ? "larger" : "smaller") + " fraction");
            if (nVal >= 1 || 1 - val < 1) ways.add("more data");
            if (zeroAllowed) ways.add("0 for no validation");
            String last = ways.remove(ways.size() - 1);
            String use = ways.isEmpty() ? last : String.join(", ", ways) + (ways.size() > 1 ? ", or " : " or ") + last;
            throw new IllegalArgumentException(option + " " + val + ": of " + Inputs.count(n, "sequence") + " leaves " + (nVal < 1 ? "none to validate on" : "none to train on")
                    + " (use " + use + ")");
        }
    }

    /** --init: pytorch (PyTorch's default initialisation) or keras (Keras's: Glorot, orthogonal, unit forget bias). */
    static ModelBuilder.InitScheme initScheme(String init) {
        return Check.oneOf("--init", init, "pytorch", "keras").equals("keras") ? ModelBuilder.InitScheme.KERAS : ModelBuilder.InitScheme.PYTORCH;
    }

    /** --cell: lstm, gru, rnn (tanh) or rnn_relu. */
    static CellType cellType(String cell) {
        String c = Check.oneOf("--cell", cell, "lstm", "gru", "rnn", "rnn_tanh", "rnn_relu");
        return CellType.parse(c.equals("rnn") ? "RNN_TANH" : c);
    }
}

