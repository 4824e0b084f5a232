package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Require;

import dev.vecrnn.nn.io.Untrusted;

/**
 * The loss of a model's output against a dataset's targets, over the valid rows only (steps past a
 * sequence's end are padding and count for nothing), with the gradient of the output.
 */
public enum Objective {
    /** Mean squared error on float targets. */
    MSE,
    /** Mean absolute error on float targets. */
    MAE,
    /** Cross-entropy from logits on class ids. */
    CROSS_ENTROPY,
    /** Binary cross-entropy from logits on 0/1 float targets. */
    BCE;

    public static Objective defaultFor(Dataset data) {
        Require.notNull("data", data);
        return data.isClassification() ? CROSS_ENTROPY : MSE;
    }

    public static Objective parse(String name) {
        if (name == null) throw new IllegalArgumentException("name: expected a loss (mse, mae, cross_entropy or bce), got null");
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "mse" -> MSE;
            case "mae", "l1" -> MAE;
            case "cross_entropy", "crossentropy", "ce" -> CROSS_ENTROPY;
            case "bce", "binary_cross_entropy" -> BCE;
            default -> throw new IllegalArgumentException("loss: expected mse, mae, cross_entropy or bce, got " + Untrusted.quote(name));
        };
    }

    /**
     * Mean loss of {@code out} against {@code data}'s targets; writes d(loss)/d(out) into {@code grad}
     * (same layout as out.data(), zero on padding) unless grad is null.
     */
    double evaluate(Batch out, Dataset data, float[] grad) {
        int width = out.features();
        boolean perStep = data.perStep();
        if (perStep != out.sequence()) {
            throw new IllegalArgumentException("targets: the data has one target per " + (perStep ? "step" : "sequence")
                    + " but the model outputs one per " + (out.sequence() ? "step" : "sequence"));
        }
        if (this == CROSS_ENTROPY) {
            if (!data.isClassification()) throw new IllegalArgumentException("cross_entropy: expected class labels, got float targets");
            boolean[] mask = perStep ? validMask(data) : null;
            CrossEntropyLoss ce = new CrossEntropyLoss(width);
            return mask == null ? ce.forward(out.data(), data.labels(), grad) : ce.forward(out.data(), data.labels(), mask, grad);
        }
        if (data.isClassification()) throw new IllegalArgumentException(name().toLowerCase() + ": expected float targets, got class labels");
        if (data.targetWidth() != width) {
            throw new IllegalArgumentException("targets: expected " + width + " values per row (the model's output), got " + data.targetWidth());
        }
        var loss = switch (this) {
            case MAE -> new MaeLoss();
            case BCE -> new BceWithLogitsLoss();
            default -> new MseLoss();
        };
        if (!perStep || data.lengths() == null) return loss.forward(out.data(), data.targets(), grad);
        // gather the valid steps, take the loss there, scatter the gradient back
        int valid = 0;
        for (int b = 0; b < data.size(); b++) valid += data.lengthOf(b);
        float[] pred = new float[valid * width];
        float[] tgt = new float[valid * width];
        int r = 0;
        for (int b = 0; b < data.size(); b++) {
            for (int s = 0; s < data.lengthOf(b); s++, r++) {
                int src = (b * data.steps() + s) * width;
                System.arraycopy(out.data(), src, pred, r * width, width);
                System.arraycopy(data.targets(), src, tgt, r * width, width);
            }
        }
        float[] g = grad == null ? null : new float[pred.length];
        double v = loss.forward(pred, tgt, g);
        if (grad != null) {
            java.util.Arrays.fill(grad, 0f);
            r = 0;
            for (int b = 0; b < data.size(); b++) {
                for (int s = 0; s < data.lengthOf(b); s++, r++) {
                    System.arraycopy(g, r * width, grad, (b * data.steps() + s) * width, width);
                }
            }
        }
        return v;
    }

    static boolean[] validMask(Dataset d) {
        boolean[] m = new boolean[d.size() * d.steps()];
        for (int b = 0; b < d.size(); b++) {
            for (int s = 0; s < d.lengthOf(b); s++) m[b * d.steps() + s] = true;
        }
        return m;
    }
}
