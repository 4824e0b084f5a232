package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.model.Model;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Truncated backpropagation through time, TBPTT(k1, k2): the sequence advances k1 steps per update;
 * each update runs forward over the last k2 steps from the state carried at that window's start
 * (recorded when an earlier window ended there), takes the loss on the k1 new steps and backpropagates
 * through the whole window. With k2 = k1 this is plain chunked BPTT with the state carried across
 * chunks and no gradient crossing them.
 */
final class Tbptt {
    private Tbptt() {
    }

    /** Applies one window's update given its loss and end step; false when it was skipped. */
    interface Update {
        boolean apply(double loss, int windowEnd);
    }

    /**
     * The mean loss per scored step over the windows whose update was applied and that scored a row (one whose steps all
     * weigh 0 has no loss); NaN if none did. {@code scored}: the caller's, written over window by window.
     */
    static double train(Model model, Dataset part, Loss lossFn, Random rnd, int k1, int k2, Runnable zeroGrad, Update update,
                        ValidRows.Scored scored) {
        int steps = part.steps();
        for (Layer l : model.layers()) {
            String why = l.whyNoCarriedState();
            if (why != null) {
                throw new IllegalArgumentException("tbptt: " + why + ", so no state can be carried across chunks; train it on whole sequences");
            }
        }
        if (part.lengths() != null) {
            for (int b = 0; b < part.size(); b++) {
                if (part.lengthOf(b) != steps) {
                    throw new IllegalArgumentException("tbptt: expected sequences of equal length " + steps + ", got length "
                            + part.lengthOf(b) + " at row " + b);
                }
            }
        }
        Map<Integer, Model.Carry> carries = new HashMap<>();
        double lossSum = 0;
        int counted = 0;
        for (int e = k1; e - k1 < steps; e += k1) {
            int end = Math.min(e, steps);
            int start = Math.max(0, e - k2);
            int lossFrom = e - k1;
            Dataset window = slice(part, start, end);
            Dataset targets = slice(part, lossFrom, end);
            zeroGrad.run();
            Model.Carry to = new Model.Carry();
            Model.Trace tr = model.forward(window.inputs(), true, rnd, carries.get(start), to);
            Batch out = tr.output();
            int width = out.features();
            int off = lossFrom - start;
            float[] scoredOut = new float[part.size() * (end - lossFrom) * width];
            for (int b = 0; b < part.size(); b++) {
                System.arraycopy(out.data(), (b * (end - start) + off) * width, scoredOut, b * (end - lossFrom) * width,
                        (end - lossFrom) * width);
            }
            float[] g = new float[scoredOut.length];
            ValidRows.score(lossFn, new Batch(scoredOut, part.size(), end - lossFrom, width, null, true), targets, g, scored);
            float[] grad = new float[out.data().length];
            for (int b = 0; b < part.size(); b++) {
                System.arraycopy(g, b * (end - lossFrom) * width, grad, (b * (end - start) + off) * width, (end - lossFrom) * width);
            }
            model.backward(tr, out.withData(grad, width));
            if (update.apply(scored.value, end) && scored.weight > 0) {
                lossSum += scored.value * (end - lossFrom);
                counted += end - lossFrom;
            }
            carries.put(end, to);
            carries.remove(start);
        }
        return counted == 0 ? Double.NaN : lossSum / counted;
    }

    /** Steps [from, to) of every sequence (all of full length). */
    static Dataset slice(Dataset d, int from, int to) {
        int n = d.size(), t = to - from, f = d.features();
        float[] x = new float[n * t * f];
        for (int b = 0; b < n; b++) System.arraycopy(d.x(), (b * d.steps() + from) * f, x, b * t * f, t * f);
        if (d instanceof Dataset.Classification c) {
            int[] lab = new int[n * t];
            for (int b = 0; b < n; b++) System.arraycopy(c.labels(), b * d.steps() + from, lab, b * t, t);
            return Dataset.classification(x, n, t, f, null, lab, true);
        } else {
            Dataset.Regression r = (Dataset.Regression) d;
            int k = r.targetWidth();
            float[] y = new float[n * t * k];
            for (int b = 0; b < n; b++) System.arraycopy(r.targets(), (b * d.steps() + from) * k, y, b * t * k, t * k);
            return Dataset.regression(x, n, t, f, null, y, k, true);
        }
    }
}
