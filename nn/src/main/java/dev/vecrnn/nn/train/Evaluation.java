package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.model.Model;

import dev.vecrnn.nn.io.Untrusted;

import java.util.LinkedHashMap;
import java.util.Map;

/** A model's loss and metrics on a dataset: accuracy, macro F1 and perplexity for classes; RMSE, MAE, MAPE for values. */
public record Evaluation(double loss, Map<String, Double> metrics) {

    public Evaluation {
        Require.notNull("metrics", metrics);
    }

    public double metric(String name) {
        Require.notNull("name", name);
        Double v = metrics.get(name);
        if (v == null) throw new IllegalArgumentException("metric: expected one of " + metrics.keySet() + ", got " + Untrusted.quote(name));
        return v;
    }

    /** Evaluates in batches of {@code batchSize} (inference path, no dropout). */
    public static Evaluation of(Model model, Dataset data, Objective objective, int batchSize) {
        Require.notNull("model", model);
        Require.notNull("data", data);
        Require.notNull("objective", objective);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize: expected >= 1, got " + batchSize);
        int n = data.size();
        int[] idx = Dataset.range(n);
        double lossSum = 0;
        long rows = 0;
        int width = model.outputFeatures();
        int per = data.perStep() ? data.steps() : 1;
        float[] outAll = new float[n * per * width];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            Dataset part = data.subset(idx, from, to);
            Batch out = model.predict(part.inputs());
            int count = countRows(part);
            lossSum += objective.evaluate(out, part, null) * count;
            rows += count;
            System.arraycopy(out.data(), 0, outAll, from * per * width, out.data().length);
        }
        double loss = lossSum / rows;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", loss);
        boolean[] mask = data.perStep() ? Objective.validMask(data) : null;
        if (data.isClassification()) {
            int[] pred = new int[data.labels().length];
            int valid = 0;
            for (int r = 0; r < pred.length; r++) if (mask == null || mask[r]) valid++;
            int[] p = new int[valid];
            int[] t = new int[valid];
            int j = 0;
            for (int r = 0; r < pred.length; r++) {
                if (mask != null && !mask[r]) continue;
                int best = 0;
                for (int c = 1; c < width; c++) if (outAll[r * width + c] > outAll[r * width + best]) best = c;
                p[j] = best;
                t[j++] = data.labels()[r];
            }
            m.put("accuracy", Metrics.accuracy(p, t));
            m.put("f1", Metrics.f1Macro(p, t, width));
            if (objective == Objective.CROSS_ENTROPY) m.put("perplexity", Metrics.perplexity(loss));
        } else {
            float[] pred = outAll;
            float[] tgt = data.targets();
            if (mask != null) {
                int valid = 0;
                for (boolean b : mask) if (b) valid++;
                pred = new float[valid * width];
                tgt = new float[valid * width];
                int j = 0;
                for (int r = 0; r < mask.length; r++) {
                    if (!mask[r]) continue;
                    System.arraycopy(outAll, r * width, pred, j * width, width);
                    System.arraycopy(data.targets(), r * width, tgt, j * width, width);
                    j++;
                }
            }
            m.put("rmse", Metrics.rmse(pred, tgt));
            m.put("mae", Metrics.mae(pred, tgt));
            m.put("mape", Metrics.mape(pred, tgt));
        }
        return new Evaluation(loss, m);
    }

    /** Rows that count toward a mean loss: valid steps (or sequences) times the target width. */
    static int countRows(Dataset d) {
        if (!d.perStep()) return d.size();
        int n = 0;
        for (int b = 0; b < d.size(); b++) n += d.lengthOf(b);
        return n;
    }
}
