package dev.vecrnn.cli;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code vecrnn tune}: random search over cell type, hidden size, layers, learning rate, dropout and
 * clipping, each trial trained with early stopping on the same validation split; prints a leaderboard
 * and saves the best model.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, defaultValueProvider = TuneCommand.Defaults.class,
        description = {"Random search over cell, hidden size, layers, learning rate, dropout and clipping on .npy arrays"
                        + " (as fit takes them, with --lengths and --vocab); prints a leaderboard by validation loss and saves the best model to MODELDIR.",
                "Validation: --val rows held out of X, or --val-x and --val-y, arrays of their own (all of X trains).",
                "--classes and --class-weight, and --pos-weight, as fit takes them (val_loss, which ranks the trials, is then weighted).",
                "--task multilabel: multi-hot Y as fit takes it; trials ranked by mean BCE."})
final class TuneCommand implements Callable<Integer> {
    @Option(names = "--x", required = true, paramLabel = "X.npy", description = "inputs [N, T, F], or [N, T] token ids with --vocab") Path x;
    @Option(names = "--y", required = true, paramLabel = "Y.npy", description = "targets or class labels, one row per row of X") Path y;
    @Option(names = "--task", required = true, paramLabel = "TASK", description = "regression, classification or multilabel") String task;
    @Option(names = "--out", required = true, paramLabel = "MODELDIR", description = "where the best trial's model.safetensors goes") Path out;
    @Option(names = "--per-step", description = "one target per step") boolean perStep;
    @Option(names = "--lengths", paramLabel = "LENGTHS.npy", description = "valid length of each sequence [N]") Path lengths;
    @Option(names = "--vocab", description = "X holds token ids below this (at least 2); each trial starts with an embedding") Integer vocab;
    @Option(names = "--embed", description = "embedding size with --vocab (default " + FitCommand.DEFAULT_EMBED + ")") Integer embed;
    @Option(names = "--bidirectional", description = "bidirectional recurrent layers in every trial (as fit's; many-to-one: each direction's final output)")
    boolean bidirectional;
    @Option(names = "--trials", defaultValue = "8", description = "each trained for at most --epochs epochs (default ${DEFAULT-VALUE})") int trials;
    @Mixin TrainingOptions.Epochs epochs;
    @Option(names = "--patience", defaultValue = "3", description = "early stopping patience in epochs, -1 for none (default ${DEFAULT-VALUE})") int patience;
    @Option(names = "--val", paramLabel = "<val>", description = "validation fraction, rows drawn at random by --seed (default " + DEFAULT_VAL
            + "; none with --val-x)") Double val;
    @Mixin ValidationArrays valArrays;
    @Mixin ClassOptions classOpts;
    @Mixin MultiLabel.PosWeight posWeight;
    @Mixin TrainingOptions.Batch batch;
    @Mixin TrainingOptions.Seed seed;
    @Mixin TrainingOptions.Threads threads;
    @Option(names = "--overwrite", description = "replace MODELDIR/model.safetensors if it exists") boolean overwrite;
    @Option(names = "--init", paramLabel = "SCHEME", defaultValue = "pytorch",
            description = "every trial's initial weights, as fit's --init: pytorch or keras (default ${DEFAULT-VALUE})") String init;

    static final double DEFAULT_VAL = 0.2;

    static final class Defaults extends TrainingOptions.Defaults {
        Defaults() {
            super("--epochs", "15", "--batch", "32", "--seed", "0", "--threads", "1");
        }
    }

    record Trial(int id, CellType cell, int hidden, int layers, double lr, float dropout, double clip,
                 double valLoss, int bestEpoch, Model model) {
    }

    @Override
    public Integer call() throws Exception {
        String taskName = Check.oneOf("--task", task, "regression", "classification", MultiLabel.TASK);
        boolean classification = taskName.equals("classification");
        if (taskName.equals(MultiLabel.TASK)) MultiLabel.refuseClassOptions(classOpts);
        posWeight.check(taskName.equals(MultiLabel.TASK));
        FitCommand.initScheme(init);
        Check.range("--trials", trials, 1, 10_000);
        epochs.get();
        Check.atLeast("--patience", patience, -1);
        if (val != null && !(val > 0 && val < 1)) throw new IllegalArgumentException("--val: expected a number in (0, 1), got " + val);
        batch.get();
        threads.get();
        int vocab = FitCommand.vocab(this.vocab), embed = FitCommand.embed(this.embed, vocab);
        classOpts.check(classification);
        valArrays.check(val != null ? "--val" : null);
        try (Outputs outs = new Outputs(overwrite).inputs(x, y, lengths).inputs(valArrays.files())) {
            Path file = outs.declareIn("--out", out, "model.safetensors");
            tune(outs, file, vocab, embed);
        }
        return 0;
    }

    /** The search, on options call() has checked: {@code vocab} 0 for features, {@code embed} the embedding's size with one. */
    private void tune(Outputs outs, Path file, int vocab, int embed) throws Exception {
        boolean classification = task.equalsIgnoreCase("classification"), multilabel = task.equalsIgnoreCase(MultiLabel.TASK);
        Datasets.Loaded in = Datasets.load(x, y, lengths, classification, perStep, vocab > 0 ? null : "token ids take --vocab V");
        Dataset data = in.data();
        if (multilabel) MultiLabel.requireTargets("--y", y, data, true);
        int f = in.features(), width = classification ? classOpts.width(in, y) : in.width();
        if (vocab > 0) Datasets.tokenIds(x, data, vocab);
        int epochs = this.epochs.get(), batch = this.batch.get(), threads = this.threads.get();
        long seed = this.seed.get();
        Random r = new Random(seed);
        CellType[] cells = {CellType.LSTM, CellType.GRU, CellType.RNN_TANH};
        int[] hiddens = {16, 32, 64, 128};
        Dataset valData = valArrays.load(in, width, classOpts.source(y), x, y, classification, perStep, vocab);
        if (multilabel && valData != null) MultiLabel.requireTargets("--val-y", valArrays.y, valData, true);
        // tune ranks its trials on the validation rows, or on --val-x and --val-y (all of X trains then)
        double val = valData != null ? 0 : this.val == null ? DEFAULT_VAL : this.val;
        FitCommand.validationRows("--val", val, data.size(), false);
        HeapBudget.training(CellType.LSTM, f, 128, 2, bidirectional, vocab, embed, width,
                classification ? classOpts.sized(y, width) : "--y " + y + ": " + width + " targets per row",
                "the largest trial (LSTM, 128 units, 2 layers" + (bidirectional ? ", bidirectional)" : ")"), batch, data.size(), data.steps());
        // every trial trains on the same rows (the split is drawn by --seed), so balanced weights are the same for all
        Loss loss = classification ? classOpts.loss(new Trainer().seed(seed).validationSplit(val).validationData(valData), data, width,
                "--y " + y, valData != null ? "--val-y " + valArrays.y : "the --val rows of --y " + y)
                : multilabel ? posWeight.loss(new Trainer().seed(seed).validationSplit(val).validationData(valData), data, width, "--y " + y) : Loss.mse();
        // once nothing is left to refuse
        Training.printNotes(in, valArrays, classOpts, posWeight, vocab == 0 ? x : null, y, data);
        List<Trial> board = new ArrayList<>();
        for (int i = 1; i <= trials; i++) {
            CellType cell = cells[r.nextInt(cells.length)];
            int hidden = hiddens[r.nextInt(hiddens.length)];
            int layers = 1 + r.nextInt(2);
            double lr = Math.pow(10, -3.5 + 2 * r.nextDouble());
            float dropout = (float) (0.3 * r.nextDouble());
            double clip = r.nextBoolean() ? 1.0 : 5.0;
            ModelBuilder b = Model.builder(f).seed(seed + i).init(FitCommand.initScheme(init));
            if (vocab > 0) b.embedding(vocab, embed);
            b.recurrent(cell, hidden, layers, bidirectional, layers > 1 ? dropout : 0f, 0).dropout(dropout);
            // bidirectional: the backward direction's final output is at step 0, as fit takes it (lastStep would take
            // its output after one step); unidirectional, the two are the same and lastStep keeps the saved spec as it was
            if (!perStep) {
                if (bidirectional) b.finalStates();
                else b.lastStep();
            }
            Model model = b.dense(width).build();
            double[] best = {Double.POSITIVE_INFINITY};
            Trainer trainer = new Trainer().epochs(epochs).batchSize(batch).seed(seed).validationSplit(val).validationData(valData).clipNorm(clip)
                    // -1, as in fit: no early stopping; each trial still keeps its best epoch's weights, which it is ranked by
                    .threads(threads).earlyStopping(patience < 0 ? epochs : patience, true)
                    .loss(loss)
                    .optimizer(ps -> new Adam(ps, lr))
                    // not Math.min, which one NaN epoch turns NaN for the whole trial (a NaN is never better)
                    .onEpoch(e -> {
                        if (e.validation().loss() < best[0]) best[0] = e.validation().loss();
                    });
            int bestEpoch;
            try {
                bestEpoch = trainer.fit(model, data).bestEpoch();
                // no epoch's val_loss was finite (bestEpoch -1): it diverged as surely as a trial that threw
                if (bestEpoch < 0) best[0] = Double.POSITIVE_INFINITY;
            } catch (dev.vecrnn.nn.train.NonFiniteException diverged) {
                // a trial whose learning rate is too high for the data ranks last; the search goes on
                best[0] = Double.POSITIVE_INFINITY;
                bestEpoch = 0;
            }
            Trial tr = new Trial(i, cell, hidden, layers, lr, dropout, clip, best[0], bestEpoch, model);
            board.add(tr);
            System.out.printf("trial %2d/%d  %-8s hidden %3d  layers %d  lr %.2e  dropout %.2f  clip %.0f  ->  %s%n",
                    i, trials, cell, hidden, layers, lr, dropout, clip, tr.valLoss() == Double.POSITIVE_INFINITY
                            ? "diverged (no finite val_loss)" : "val_loss " + Progress.value(tr.valLoss()) + " (epoch " + tr.bestEpoch() + ")");
        }
        board.sort(Comparator.comparingDouble(Trial::valLoss));
        if (board.get(0).valLoss() == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("--trials " + trials + ": every trial diverged (NaN or infinite loss); check --y for extreme targets");
        }
        System.out.println();
        System.out.println("rank  trial  cell      hidden  layers  lr        dropout  clip  val_loss");
        for (int k = 0; k < board.size(); k++) {
            Trial tr = board.get(k);
            System.out.printf("%4d  %5d  %-8s  %6d  %6d  %.2e  %7.2f  %4.0f  %s%n", k + 1, tr.id(), tr.cell(), tr.hidden(),
                    tr.layers(), tr.lr(), tr.dropout(), tr.clip(), Progress.value(tr.valLoss()));
        }
        ModelFile.save(board.get(0).model(), outs.stage(file), classification ? "classification" : multilabel ? MultiLabel.TASK : "regression");
        outs.commit();
        System.out.println("saved the best (trial " + board.get(0).id() + ") to " + Main.shown(out.resolve("model.safetensors")));
    }
}
