package dev.vecrnn.nn;

import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.Clip;
import dev.vecrnn.nn.train.LrScheduler;
import dev.vecrnn.nn.train.Optimizer;
import dev.vecrnn.nn.train.ReduceLROnPlateau;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Keras's {@code fit}: epochs of shuffled mini-batches, backpropagation through time, an optimizer
 * (Adam by default), optional gradient clipping and learning-rate schedule, a validation split with
 * early stopping that restores the best weights, and a callback per epoch. The seed fixes the
 * shuffling, the split and dropout, so the same seed gives the same weights bit for bit.
 */
public final class Trainer {
    /** One epoch's figures, handed to the callback. */
    public record Epoch(int epoch, int epochs, double trainLoss, Evaluation validation, double learningRate,
                        long millis, boolean improved) {
    }

    /** Progress within an epoch: batches done of total, the running mean loss. */
    public record Progress(int epoch, int batch, int batches, double meanLoss) {
    }

    public record History(List<Epoch> epochs, int bestEpoch, boolean stoppedEarly) {
    }

    private Objective objective;
    private Function<List<Param>, Optimizer> optimizer = ps -> new Adam(ps, 1e-3);
    private Function<Optimizer, Object> schedule;
    private int epochs = 10;
    private int batchSize = 32;
    private double validationSplit = 0;
    private Dataset validation;
    private long seed = 0;
    private double clipNorm = 0;
    private double clipValue = 0;
    private int patience = -1;
    private boolean restoreBest = true;
    private Consumer<Epoch> onEpoch = e -> { };
    private Consumer<Progress> onBatch = p -> { };
    private int tbpttK1 = 0;
    private int tbpttK2 = 0;
    private int threads = 1;

    /** Threads for the batched products (1 by default); the same seed and thread count give the same weights. */
    public Trainer threads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads: expected >= 1, got " + n);
        this.threads = n;
        return this;
    }

    public Trainer objective(Objective o) {
        this.objective = o;
        return this;
    }

    public Trainer optimizer(Function<List<Param>, Optimizer> factory) {
        this.optimizer = factory;
        return this;
    }

    /** A schedule made from the optimizer: an {@link LrScheduler} (stepped per epoch) or a {@link ReduceLROnPlateau} (stepped with the validation loss). */
    public Trainer schedule(Function<Optimizer, Object> factory) {
        this.schedule = factory;
        return this;
    }

    public Trainer epochs(int n) {
        if (n < 1) throw new IllegalArgumentException("epochs: expected >= 1, got " + n);
        this.epochs = n;
        return this;
    }

    public Trainer batchSize(int n) {
        if (n < 1) throw new IllegalArgumentException("batch size: expected >= 1, got " + n);
        this.batchSize = n;
        return this;
    }

    /** Holds out this fraction of the (shuffled) data for validation. */
    public Trainer validationSplit(double f) {
        if (!(f >= 0 && f < 1)) throw new IllegalArgumentException("validation split: expected in [0, 1), got " + f);
        this.validationSplit = f;
        return this;
    }

    public Trainer validationData(Dataset d) {
        this.validation = d;
        return this;
    }

    public Trainer seed(long s) {
        this.seed = s;
        return this;
    }

    public Trainer clipNorm(double max) {
        this.clipNorm = max;
        return this;
    }

    public Trainer clipValue(double v) {
        this.clipValue = v;
        return this;
    }

    /** Stops after {@code patience} epochs without a better validation loss; restores the best weights if asked. */
    public Trainer earlyStopping(int patience, boolean restoreBest) {
        if (patience < 0) throw new IllegalArgumentException("patience: expected >= 0, got " + patience);
        this.patience = patience;
        this.restoreBest = restoreBest;
        return this;
    }

    public Trainer onEpoch(Consumer<Epoch> c) {
        this.onEpoch = c;
        return this;
    }

    public Trainer onBatch(Consumer<Progress> c) {
        this.onBatch = c;
        return this;
    }

    /**
     * Truncated BPTT for per-step targets: each update runs forward over a window of the last k2 steps
     * (from the state carried at the window's start), takes the loss on its last k1 steps and
     * backpropagates through the whole window; k2 must be a multiple of k1.
     */
    public Trainer tbptt(int k1, int k2) {
        if (k1 < 1 || k2 < k1 || k2 % k1 != 0) {
            throw new IllegalArgumentException("tbptt: expected k1 >= 1 and k2 a multiple of k1, got k1 = " + k1 + ", k2 = " + k2);
        }
        this.tbpttK1 = k1;
        this.tbpttK2 = k2;
        return this;
    }

    public History fit(Model model, Dataset data) {
        if (model == null || data == null) throw new IllegalArgumentException("fit: expected a model and a dataset");
        Objective obj = objective == null ? Objective.defaultFor(data) : objective;
        Random rnd = new Random(seed);
        int[] order = Dataset.range(data.size());
        shuffle(order, rnd);
        Dataset train = data;
        Dataset val = validation;
        if (validationSplit > 0) {
            int nVal = (int) Math.round(data.size() * validationSplit);
            if (nVal < 1 || nVal >= data.size()) {
                throw new IllegalArgumentException("validation split: " + validationSplit + " of " + data.size() + " rows leaves no "
                        + (nVal < 1 ? "validation" : "training") + " rows");
            }
            val = data.subset(order, 0, nVal);
            train = data.subset(order, nVal, data.size());
        }
        model.setThreads(threads);
        Optimizer opt = optimizer.apply(model.params());
        Object sched = schedule == null ? null : schedule.apply(opt);
        List<Epoch> history = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        int bestEpoch = -1;
        int since = 0;
        Map<String, Tensor> bestWeights = null;
        boolean stopped = false;
        int[] idx = Dataset.range(train.size());
        for (int e = 1; e <= epochs; e++) {
            long t0 = System.nanoTime();
            shuffle(idx, rnd);
            int batches = (train.size() + batchSize - 1) / batchSize;
            double sum = 0;
            for (int b = 0; b < batches; b++) {
                Dataset part = train.subset(idx, b * batchSize, Math.min(train.size(), (b + 1) * batchSize));
                double loss = tbpttK1 > 0 && part.perStep() ? trainTbptt(model, opt, part, obj, rnd) : trainStep(model, opt, part, obj, rnd);
                sum += loss;
                onBatch.accept(new Progress(e, b + 1, batches, sum / (b + 1)));
            }
            Evaluation ev = val == null ? null : Evaluation.of(model, val, obj, Math.max(batchSize, 64));
            double monitored = ev == null ? sum / batches : ev.loss();
            boolean improved = monitored < best;
            if (improved) {
                best = monitored;
                bestEpoch = e;
                since = 0;
                if (patience >= 0 && restoreBest) bestWeights = model.stateDict();
            } else {
                since++;
            }
            if (sched instanceof LrScheduler s) s.step();
            if (sched instanceof ReduceLROnPlateau s) s.step(monitored);
            Epoch rec = new Epoch(e, epochs, sum / batches, ev, opt.learningRate(), (System.nanoTime() - t0) / 1_000_000, improved);
            history.add(rec);
            onEpoch.accept(rec);
            if (patience >= 0 && since > patience) {
                stopped = true;
                break;
            }
        }
        if (bestWeights != null && restoreBest) model.loadStateDict(bestWeights);
        return new History(history, bestEpoch, stopped);
    }

    private double trainStep(Model model, Optimizer opt, Dataset part, Objective obj, Random rnd) {
        opt.zeroGrad();
        Model.Trace tr = model.forward(part.inputs(), true, rnd);
        float[] grad = new float[tr.output().data().length];
        double loss = obj.evaluate(tr.output(), part, grad);
        model.backward(tr, tr.output().withData(grad, tr.output().features()));
        applyUpdate(model, opt);
        return loss;
    }

    private void applyUpdate(Model model, Optimizer opt) {
        if (clipValue > 0) Clip.byValue(model.params(), clipValue);
        if (clipNorm > 0) Clip.byGlobalNorm(model.params(), clipNorm);
        opt.step();
        model.paramsChanged();
    }

    private double trainTbptt(Model model, Optimizer opt, Dataset part, Objective obj, Random rnd) {
        return Tbptt.train(model, part, obj, rnd, tbpttK1, tbpttK2, () -> opt.zeroGrad(), () -> applyUpdate(model, opt));
    }

    /** Loss and metrics of the model on a dataset, with the default objective for its targets. */
    public static Evaluation evaluate(Model model, Dataset data) {
        return Evaluation.of(model, data, Objective.defaultFor(data), 64);
    }

    static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
