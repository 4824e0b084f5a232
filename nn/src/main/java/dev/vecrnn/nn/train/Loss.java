package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.io.internal.Untrusted;

import java.util.Locale;

/**
 * A loss between a model's outputs and their targets, with its gradient: what {@link Trainer#loss} trains
 * with, what validation, early stopping and {@link Evaluation} measure. The four built-ins are
 * {@link #mse()}, {@link #mae()}, {@link #bce()} (float targets) and {@link #crossEntropy()} (class ids); a loss
 * of your own (Huber, a weighted MSE, a focal loss) implements this interface and trains like them.
 *
 * <p>The trainer calls it on the rows that count only: one row per sequence, or per valid step (steps past a
 * sequence's length are padding and never reach a loss), in order of sequence then step, each row the
 * model's {@code K} outputs. So {@code input} is {@code [rows, K]} row-major, the targets are the
 * dataset's for the same rows ({@code [rows, K]} floats, or {@code [rows]} class ids), and the gradient the
 * loss writes is scattered back to the output (zeros on padding). The reduction is the loss's choice; the
 * built-ins take PyTorch's {@code 'mean'}, and the trainer weights each batch's value by its row count when it
 * averages a validation set.
 *
 * <p>Float targets go to {@link #forward(float[], float[], float[])}, which every loss implements (a lambda
 * will do); class ids go to {@link #forward(float[], int[], float[])}, which refuses unless overridden.
 * Implementations allocate little, keep no state between calls and are safe to share between threads.
 * {@code toString()} names the loss in error messages.
 *
 * <p>A training checkpoint does not record the loss, as it does not record the optimizer's hyperparameters:
 * a loss of your own may be a lambda with no stable name. Resume with the loss the checkpoint was written with.
 * Only the weights of the built-ins are recorded (a {@link CrossEntropyLoss}'s class weights, a
 * {@link BceWithLogitsLoss}'s positive weights), and a resume with other weights, or none, is refused.
 */
public interface Loss {

    /**
     * The loss of predictions against float targets of the same length; when {@code grad} is non-null,
     * overwrites it with d(loss)/d(input). input [N], target [N] -> grad [N] (may be null); N >= 1.
     */
    double forward(float[] input, float[] target, float[] grad);

    /**
     * The loss of logits {@code [rows, C]} against class ids {@code [rows]}; when {@code grad} is non-null,
     * overwrites it ({@code [rows, C]}) with d(loss)/d(logits). By default refused: a loss for float targets.
     */
    default double forward(float[] logits, int[] labels, float[] grad) {
        throw new IllegalArgumentException(this + ": expected float targets, got class labels");
    }

    /** Mean squared error, {@link MseLoss}: the default for float targets. */
    static Loss mse() {
        return new MseLoss();
    }

    /** Mean absolute error, {@link MaeLoss}. */
    static Loss mae() {
        return new MaeLoss();
    }

    /** Binary cross-entropy from logits on 0/1 (or soft) float targets, {@link BceWithLogitsLoss}. */
    static Loss bce() {
        return new BceWithLogitsLoss();
    }

    /**
     * Cross-entropy from logits on class ids ({@link CrossEntropyLoss} over as many classes as the model
     * outputs, ignore index -100): the default for class ids. With it, {@link Evaluation} adds perplexity.
     */
    static Loss crossEntropy() {
        return CrossEntropyLoss.FROM_LOGITS;
    }

    /** The built-in loss of this name: mse, mae (or l1), cross_entropy (crossentropy, ce), bce (binary_cross_entropy). */
    static Loss parse(String name) {
        if (name == null) throw new IllegalArgumentException("name: expected a loss (mse, mae, cross_entropy or bce), got null");
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "mse" -> mse();
            case "mae", "l1" -> mae();
            case "cross_entropy", "crossentropy", "ce" -> crossEntropy();
            case "bce", "binary_cross_entropy" -> bce();
            default -> throw new IllegalArgumentException("loss: expected mse, mae, cross_entropy or bce, got " + Untrusted.quote(name));
        };
    }

    /** The trainer's default for these targets: {@link #crossEntropy()} for class ids, {@link #mse()} for floats. */
    static Loss defaultFor(Dataset data) {
        Require.notNull("data", data);
        return data instanceof Dataset.Classification ? crossEntropy() : mse();
    }
}
