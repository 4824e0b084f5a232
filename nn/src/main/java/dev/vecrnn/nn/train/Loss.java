package dev.vecrnn.nn.train;

/**
 * A loss between an input (predictions or logits) and a target of the same length, reduced by the mean
 * over all elements, as PyTorch's {@code reduction='mean'}. Implementations allocate nothing per call,
 * keep no state between calls and are safe to share between threads.
 */
public interface Loss {

    /**
     * Returns the mean loss and, when {@code grad} is non-null, overwrites it with d(loss)/d(input).
     * Inputs must be non-empty (PyTorch returns NaN for the mean over zero elements; vecrnn refuses).
     * input [N], target [N] -> grad [N] (may be null)
     */
    double forward(float[] input, float[] target, float[] grad);
}
