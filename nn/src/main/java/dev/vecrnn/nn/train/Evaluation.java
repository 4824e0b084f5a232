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
        int per = data.perStep() ? data.steps() : 1;
        float[] outAll = new float[n * per * width];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            Dataset part = data.subset(idx, from, to);
            Batch out = model.predict(part.inputs());
            double count = countedWeight(loss, part);
            lossSum += ValidRows.loss(loss, out, part, null) * count;
            rows += count;
            System.arraycopy(out.data(), 0, outAll, from * per * width, out.data().length);
        }
        double mean = rows == 0 ? 0 : lossSum / rows; // no row counts: 0, as the loss itself gives
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", mean);
        // the valid rows: all of them, or the valid steps where there is padding
        int[] valid = data.perStep() && ValidRows.hasPadding(data) ? ValidRows.validRows(data) : null;
        ConfusionMatrix confusion = null;
        if (data instanceof Dataset.Classification c) {
            int[] scored = scoredRows(loss, c, valid);
            int count = scored.length;
            if (count == 0) {
                throw new IllegalArgumentException("data: every label is " + loss + "'s ignore index " + ignoreIndex(loss)
                        + ", so there is nothing to score");
            }
            int[] p = new int[count];
            int[] t = new int[count];
            for (int j = 0; j < count; j++) {
                int r = scored[j];
                int best = 0;
                for (int k = 1; k < width; k++) if (outAll[r * width + k] > outAll[r * width + best]) best = k;
                p[j] = best;
                t[j] = c.labels()[r];
            }
            m.put("accuracy", Metrics.accuracy(p, t));
            confusion = new ConfusionMatrix(width).add(p, t);
            m.put("f1", confusion.f1Macro());
            // a class-weighted mean is no mean log-likelihood: no perplexity from it
            if (loss == CrossEntropyLoss.FROM_LOGITS || loss instanceof CrossEntropyLoss ce && ce.weight() == null) {
                m.put("perplexity", Metrics.perplexity(mean));
            }
        } else {
            Dataset.Regression r = (Dataset.Regression) data;
            float[] pred = valid == null ? outAll : ValidRows.gather(outAll, valid, width);
            float[] tgt = valid == null ? r.targets() : ValidRows.gather(r.targets(), valid, width);
            if (loss instanceof BceWithLogitsLoss) {
                // logits of labels that are each on or off (multi-hot rows): what Keras and scikit-learn score them by
                LabelCounts counts = Metrics.countLabels(pred, tgt, width);
                m.putAll(Metrics.multiLabel(counts));
                return new Evaluation(mean, m, null, counts);
            }
            m.put("rmse", Metrics.rmse(pred, tgt));
            m.put("mae", Metrics.mae(pred, tgt));
            m.put("mape", Metrics.mape(pred, tgt));
        }
        return new Evaluation(mean, m, confusion);
    }

    /**
     * What a batch's mean loss is weighed by in the mean over batches: its rows, or for a cross-entropy its valid
     * rows not at the ignore index, weighted by their classes' weights if it has any (the mean's own denominator), so that the result
     * is {@code sum w_i l_i / sum w_i} over the whole set, as one batch of all of it would give.
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

    /** The rows metrics score: the valid ones ({@code valid}, null for all), less those at the loss's ignore index. */
    private static int[] scoredRows(Loss loss, Dataset.Classification c, int[] valid) {
        Integer ignore = ignoreIndex(loss);
        int[] labels = c.labels();
        int n = valid == null ? labels.length : valid.length;
        int[] rows = new int[n];
        int count = 0;
        for (int j = 0; j < n; j++) {
            int r = valid == null ? j : valid[j];
            if (ignore == null || labels[r] != ignore) rows[count++] = r;
        }
        return count == n ? rows : java.util.Arrays.copyOf(rows, count);
    }

    /** Rows that count toward a mean loss: valid steps (or sequences) times the target width. */
    static int countRows(Dataset d) {
        if (!d.perStep()) return d.size();
        int n = 0;
        for (int b = 0; b < d.size(); b++) n += d.lengthOf(b);
        return n;
    }
}
