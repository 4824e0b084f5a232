package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.model.Model;

import dev.vecrnn.nn.io.internal.Untrusted;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's loss and metrics on a dataset: accuracy, macro F1 and perplexity for classes; RMSE, MAE, MAPE for
 * values. {@code confusion}: a classifier's confusion matrix over the rows evaluated (the argmax of each valid
 * row against its label, the matrix accuracy and F1 come from), for per-class figures; null for values, and
 * for figures restored from a checkpoint. The record holds its own copy and hands out copies.
 */
public record Evaluation(double loss, Map<String, Double> metrics, ConfusionMatrix confusion) {

    public Evaluation {
        Require.notNull("metrics", metrics);
        confusion = confusion == null ? null : confusion.copy();
    }

    /** Figures without a confusion matrix. */
    public Evaluation(double loss, Map<String, Double> metrics) {
        this(loss, metrics, null);
    }

    /** A copy of the confusion matrix (null for values): adding to it leaves this evaluation as it is. */
    @Override
    public ConfusionMatrix confusion() {
        return confusion == null ? null : confusion.copy();
    }

    public double metric(String name) {
        Require.notNull("name", name);
        Double v = metrics.get(name);
        if (v == null) throw new IllegalArgumentException("metric: expected one of " + metrics.keySet() + ", got " + Untrusted.quote(name));
        return v;
    }

    /**
     * Evaluates in batches of {@code batchSize} (inference path, no dropout): the loss is {@code loss}'s value
     * over the valid rows (the mean of the batches' values weighted by their row counts, or by their class
     * weights' sums under a class-weighted cross-entropy), as in training.
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
            int count = valid == null ? c.labels().length : valid.length;
            int[] p = new int[count];
            int[] t = new int[count];
            for (int j = 0; j < count; j++) {
                int r = valid == null ? j : valid[j];
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
            m.put("rmse", Metrics.rmse(pred, tgt));
            m.put("mae", Metrics.mae(pred, tgt));
            m.put("mape", Metrics.mape(pred, tgt));
        }
        return new Evaluation(mean, m, confusion);
    }

    /**
     * What a batch's mean loss is weighed by in the mean over batches: its rows, or for a class-weighted
     * cross-entropy the sum of its valid rows' class weights (the mean's own denominator), so that the result
     * is {@code sum w_i l_i / sum w_i} over the whole set, as one batch of all of it would give.
     */
    static double countedWeight(Loss loss, Dataset part) {
        if (!(loss instanceof CrossEntropyLoss ce && ce.weight() != null && part instanceof Dataset.Classification c)) return countRows(part);
        int[] labels = c.labels();
        if (part.perStep() && ValidRows.hasPadding(part)) {
            int[] rows = ValidRows.validRows(part);
            labels = new int[rows.length];
            for (int r = 0; r < rows.length; r++) labels[r] = c.labels()[rows[r]];
        }
        return ce.countedWeight(labels);
    }

    /** Rows that count toward a mean loss: valid steps (or sequences) times the target width. */
    static int countRows(Dataset d) {
        if (!d.perStep()) return d.size();
        int n = 0;
        for (int b = 0; b < d.size(); b++) n += d.lengthOf(b);
        return n;
    }
}
