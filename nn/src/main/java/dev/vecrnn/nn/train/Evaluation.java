package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.model.Model;

import dev.vecrnn.nn.io.internal.Untrusted;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's loss and metrics on a dataset: accuracy, macro F1 and perplexity for classes; RMSE, MAE, MAPE for
 * values; under a {@link BceWithLogitsLoss}, multi-label figures ({@link Metrics#multiLabel}). {@code confusion}: a classifier's confusion matrix over the rows evaluated (the argmax of each valid
 * row against its label, the matrix accuracy and F1 come from), for per-class figures; null for values, and
 * for figures restored from a checkpoint. {@code labelCounts}: under a {@link BceWithLogitsLoss}, each label's
 * true positives, false positives and false negatives over the valid rows, the counts the multi-label figures
 * come from, for per-label figures; null otherwise, and for figures restored from a checkpoint. The record holds
 * its own copies and hands out copies.
 */
public record Evaluation(double loss, Map<String, Double> metrics, ConfusionMatrix confusion, LabelCounts labelCounts) {

    public Evaluation {
        Require.notNull("metrics", metrics);
        confusion = confusion == null ? null : confusion.copy();
        labelCounts = labelCounts == null ? null : labelCounts.copy();
    }

    /** Figures with a confusion matrix (null for none) and no per-label counts. */
    public Evaluation(double loss, Map<String, Double> metrics, ConfusionMatrix confusion) {
        this(loss, metrics, confusion, null);
    }

    /** Figures without a confusion matrix or per-label counts. */
    public Evaluation(double loss, Map<String, Double> metrics) {
        this(loss, metrics, null, null);
    }

    /** A copy of the confusion matrix (null for values): adding to it leaves this evaluation as it is. */
    @Override
    public ConfusionMatrix confusion() {
        return confusion == null ? null : confusion.copy();
    }

    /** A copy of the per-label counts (null but for a multi-label loss): adding to it leaves this evaluation as it is. */
    @Override
    public LabelCounts labelCounts() {
        return labelCounts == null ? null : labelCounts.copy();
    }

    public double metric(String name) {
        Require.notNull("name", name);
        Double v = metrics.get(name);
        if (v == null) throw new IllegalArgumentException("metric: expected one of " + metrics.keySet() + ", got " + Untrusted.quote(name));
        return v;
    }

    /**
     * Evaluates in batches of {@code batchSize} (inference path, no dropout): the loss is {@code loss}'s value
     * over the valid rows (the mean of the batches' values weighted by their row counts, or under a
     * cross-entropy by the rows not at its ignore index, or their class weights' sums), as in training; a
     * classifier's metrics and confusion matrix count the rows not at the ignore index.
     *
     * @throws IllegalArgumentException when every label of a classification is at the ignore index
     */
    public static Evaluation of(Model model, Dataset data, Loss loss, int batchSize) {
        Require.notNull("model", model);
        Require.notNull("data", data);
        Require.notNull("loss", loss);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize: expected >= 1, got " + batchSize);
        int n = data.size();
        int[] idx = Dataset.range(n);
        double lossSum = 0;
        double rows = 0;
        int width = model.outputFeatures();
        // the figures are counted batch by batch, never from all the outputs at once: those are N x T x K floats for a
        // per-step classifier, gigabytes for a vocabulary of thousands where a batch's are megabytes
        ConfusionMatrix confusion = data instanceof Dataset.Classification ? new ConfusionMatrix(width) : null;
        boolean multiLabel = confusion == null && loss instanceof BceWithLogitsLoss;
        LabelCounts labels = multiLabel ? new LabelCounts(width) : null;
        RegressionStats errors = confusion == null && !multiLabel ? new RegressionStats() : null;
        Integer ignore = ignoreIndex(loss);
        ValidRows.Scored batchLoss = new ValidRows.Scored();
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            Dataset part = data.subset(idx, from, to);
            Batch out = model.predict(part.inputs());
            ValidRows.score(loss, out, part, null, batchLoss);
            lossSum += batchLoss.value * batchLoss.weight;
            rows += batchLoss.weight;
            // the valid rows: all of them, or the valid steps where there is padding
            int[] valid = part.perStep() && ValidRows.hasPadding(part) ? ValidRows.validRows(part) : null;
            if (part instanceof Dataset.Classification c) {
                int[] t = c.labels();
                boolean[] scored = new boolean[t.length];
                if (valid == null) java.util.Arrays.fill(scored, true);
                else for (int r : valid) scored[r] = true;
                if (ignore != null) for (int r = 0; r < t.length; r++) scored[r] &= t[r] != ignore;
                confusion.addLogits(out.data(), t, scored);
            } else {
                float[] pred = valid == null ? out.data() : ValidRows.gather(out.data(), valid, width);
                float[] tgt = valid == null ? ((Dataset.Regression) part).targets() : ValidRows.gather(((Dataset.Regression) part).targets(), valid, width);
                if (multiLabel) labels.add(pred, tgt);
                else errors.add(pred, tgt);
            }
        }
        double mean = rows == 0 ? 0 : lossSum / rows; // no row counts: 0, as the loss itself gives
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", mean);
        if (confusion != null) {
            if (confusion.total() == 0) {
                throw new IllegalArgumentException("data: every label is " + loss + "'s ignore index " + ignore
                        + ", so there is nothing to score");
            }
            m.put("accuracy", confusion.accuracy());
            m.put("f1", confusion.f1Macro());
            // a class-weighted mean is no mean log-likelihood: no perplexity from it
            if (loss == CrossEntropyLoss.FROM_LOGITS || loss instanceof CrossEntropyLoss ce && ce.weight() == null) {
                m.put("perplexity", Metrics.perplexity(mean));
            }
            return new Evaluation(mean, m, confusion);
        }
        if (multiLabel) {
            // logits of labels that are each on or off (multi-hot rows): what Keras and scikit-learn score them by
            m.putAll(Metrics.multiLabel(labels));
            return new Evaluation(mean, m, null, labels);
        }
        m.put("rmse", errors.rmse());
        m.put("mae", errors.mae());
        m.put("mape", errors.mape());
        return new Evaluation(mean, m);
    }

    /**
     * The weight a loss's mean over these rows would divide by, without computing the loss: their rows, or for a
     * cross-entropy its valid rows not at the ignore index, weighted by their classes' weights if it has any. For a
     * check of data before training (0: nothing would count); a batch's own weight comes from the loss's call
     * ({@link ValidRows#score}), which weighs the batch's mean in the mean over batches so that the result is
     * {@code sum w_i l_i / sum w_i} over the whole set, as one batch of all of it would give.
     */
    static double countedWeight(Loss loss, Dataset part) {
        Integer ignore = ignoreIndex(loss);
        if (ignore == null || !(part instanceof Dataset.Classification c)) return countRows(part);
        int[] labels = c.labels();
        if (part.perStep() && ValidRows.hasPadding(part)) {
            int[] rows = ValidRows.validRows(part);
            labels = new int[rows.length];
            for (int r = 0; r < rows.length; r++) labels[r] = c.labels()[rows[r]];
        }
        if (loss instanceof CrossEntropyLoss ce) return ce.countedWeight(labels);
        int n = 0;
        for (int t : labels) if (t != ignore) n++;
        return n;
    }

    /** A cross-entropy's ignore index (PyTorch's {@code ignore_index}), null for a loss without one. */
    static Integer ignoreIndex(Loss loss) {
        if (loss == CrossEntropyLoss.FROM_LOGITS) return CrossEntropyLoss.DEFAULT_IGNORE_INDEX;
        return loss instanceof CrossEntropyLoss ce ? ce.ignoreIndex() : null;
    }

    /** Rows that count toward a mean loss: valid steps (or sequences) times the target width. */
    static int countRows(Dataset d) {
        if (!d.perStep()) return d.size();
        int n = 0;
        for (int b = 0; b < d.size(); b++) n += d.lengthOf(b);
        return n;
    }
}
