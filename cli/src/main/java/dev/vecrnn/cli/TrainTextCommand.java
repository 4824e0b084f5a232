package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code vecrnn train-text}: a character language model on any UTF-8 text file. */
@Command(name = "train-text", mixinStandardHelpOptions = true, defaultValueProvider = TrainTextCommand.Defaults.class,
        description = {"Train a character-level language model on a UTF-8 text; report held-out perplexity against the unigram baseline.",
                "The held-out perplexity reads the held-out text as one stream, the state carried from its first character to its last "
                        + "(as sample runs the model, and as PyTorch's word_language_model example evaluates), after every epoch.",
                "The weights saved are those of the epoch of the lowest held-out perplexity (marked '*'), as that example keeps its best."})
final class TrainTextCommand implements Callable<Integer> {
    @Option(names = "--text", required = true, paramLabel = "FILE", description = "the UTF-8 text to learn") Path text;
    @Option(names = "--out", required = true, paramLabel = "MODELDIR", description = "where model.safetensors (the best epoch's model) and vocab.json go") Path out;
    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, rnn (tanh) or rnn_relu (default ${DEFAULT-VALUE})") String cell;
    @Option(names = "--hidden", defaultValue = "128", description = "(default ${DEFAULT-VALUE})") int hidden;
    @Option(names = "--layers", defaultValue = "1", description = "(default ${DEFAULT-VALUE})") int layers;
    @Option(names = "--embed", defaultValue = "32", description = "(default ${DEFAULT-VALUE})") int embed;
    @Option(names = "--steps", defaultValue = "64", description = "characters per training window (default ${DEFAULT-VALUE})") int steps;
    @Mixin TrainingOptions.Epochs epochs;
    @Mixin TrainingOptions.Batch batch;
    @Mixin TrainingOptions.LearningRate lr;
    @Option(names = "--held-out", defaultValue = "0.1", description = "fraction of the text, at its end, kept for evaluation (default ${DEFAULT-VALUE})") double heldOut;
    @Option(names = "--max-chars", defaultValue = "0", paramLabel = "N", description = "train on at most N characters, 0 for all; the held-out part "
            + "is then cut to the same share, its first N * h / (1 - h) characters for --held-out h (a ninth of N at 0.1)") int maxChars;
    @Mixin TrainingOptions.Seed seed;
    @Mixin TrainingOptions.Threads threads;

    @Option(names = "--overwrite", description = "replace MODELDIR/model.safetensors and vocab.json if they exist") boolean overwrite;

    static final class Defaults extends TrainingOptions.Defaults {
        Defaults() {
            super("--epochs", "3", "--batch", "32", "--lr", "0.005", "--seed", "0", "--threads", "1");
        }
    }

    @Override
    public Integer call() throws Exception {
        CellType type = FitCommand.cellType(cell);
        Check.atLeast("--hidden", hidden, 1);
        Check.range("--layers", layers, 1, 64);
        Check.atLeast("--embed", embed, 1);
        Check.atLeast("--steps", steps, 1);
        int epochs = this.epochs.get();
        int batch = this.batch.get();
        double lr = this.lr.get();
        if (!(heldOut > 0 && heldOut < 0.5)) throw new IllegalArgumentException("--held-out: expected a number in (0, 0.5), got " + heldOut);
        Check.atLeast("--max-chars", maxChars, 0);
        int threads = this.threads.get();
        long seed = this.seed.get();
        try (Outputs outs = new Outputs(overwrite).inputs(text)) {
            Path modelFile = outs.declareIn("--out", out, "model.safetensors");
            Path vocabFile = outs.declareIn("--out", out, TextModel.VOCAB);
            String s = Inputs.utf8("--text", text);
            TextModel vocab = TextModel.of(s);
            int[] ids = vocab.encode(s, text.toString());
            int split = (int) (ids.length * (1 - heldOut));
            boolean cut = maxChars > 0 && maxChars < split;
            int[] train = java.util.Arrays.copyOf(ids, cut ? maxChars : split);
            // evaluated after every epoch: with the training part cut, 5 MB held out of a 50 MB text took minutes at --hidden 128
            int heldEnd = cut ? (int) Math.min(ids.length, split + Math.max(2, (long) Math.ceil(maxChars * heldOut / (1 - heldOut) - 1e-9))) : ids.length;
            int[] held = java.util.Arrays.copyOfRange(ids, split, heldEnd);
            if (train.length <= steps || held.length < 2) {
                throw new IllegalArgumentException("--text " + text + ": " + Inputs.count(ids.length, "character")
                        + (ids.length == 1 ? " leaves " : " leave ") + train.length + (cut ? " (--max-chars)" : "") + " to train on and "
                        + held.length + " held out; expected more than --steps (" + steps + ") to train on and at least 2 held out");
            }
            HeapBudget.training(type, 1, hidden, layers, false, vocab.size(), embed, vocab.size(),
                    "--text " + text + ": " + vocab.size() + " distinct characters", null, batch, (train.length - 1) / steps, steps);
            Dataset trainSet = TextModel.windows(train, steps);
            double unigram = TextModel.unigramPerplexity(train, held, vocab.size());

            Model model = Model.builder(1).embedding(vocab.size(), embed).recurrent(type, hidden, layers, false, 0f, 0)
                    .dense(vocab.size()).seed(seed).build();
            System.out.println(model.summary());
            double[] ppl = {Double.NaN};   // the last epoch's
            // the lowest held-out perplexity so far: an epoch below it is marked "*", as fit marks a better val_loss, and its
            // weights are the ones saved, as PyTorch's word_language_model example saves the epoch of the best validation loss
            double[] best = {Double.POSITIVE_INFINITY};
            int[] bestEpoch = {0};
            @SuppressWarnings("unchecked") Map<String, Tensor>[] bestWeights = new Map[1];
            Training.run(() -> new Trainer().epochs(epochs).batchSize(batch).seed(seed).clipNorm(1.0).threads(threads)
                    .optimizer(ps -> new Adam(ps, lr))
                    .onBatch(p -> Progress.bar(p.epoch(), epochs, p.batch(), p.batches(), p.meanLoss()))
                    .onEpoch(e -> {
                        ppl[0] = TextModel.carriedPerplexity(model, held);
                        boolean better = ppl[0] < best[0];   // NaN never is
                        if (better) {
                            best[0] = ppl[0];
                            bestEpoch[0] = e.epoch();
                            bestWeights[0] = model.stateDict();   // copies
                        }
                        System.out.printf("epoch %d/%d  loss %s  held-out perplexity %s  lr %.2g  %d ms%s%n", e.epoch(), e.epochs(),
                                Progress.trainLoss(e), Progress.value(ppl[0]), e.learningRate(), e.millis(), better ? "  *" : "");
                    }).fit(model, trainSet), Training.STEERING);
            if (bestWeights[0] == null || !Double.isFinite(best[0])) {   // no epoch had a finite held-out perplexity
                throw new IllegalArgumentException("--lr: training diverged (the held-out perplexity is " + ppl[0] + "); " + Training.STEERING);
            }
            model.loadStateDict(bestWeights[0]);
            ModelFile.save(model, outs.stage(modelFile), "classification");  // the next character's class
            vocab.save(outs.stage(vocabFile));
            outs.commit();
            System.out.printf("best epoch %d of %d (its weights saved, the lowest held-out perplexity): held-out perplexity %.2f (%s read as one"
                    + " stream, the state carried) against the unigram baseline's %.2f (vocabulary of %s)%n", bestEpoch[0], epochs, best[0],
                    Inputs.count(held.length, "character"), unigram, Inputs.count(vocab.size(), "character"));
            System.out.println("saved " + Main.shown(out.resolve("model.safetensors")) + " and " + Main.shown(out.resolve(TextModel.VOCAB)));
        }
        return 0;
    }
}
