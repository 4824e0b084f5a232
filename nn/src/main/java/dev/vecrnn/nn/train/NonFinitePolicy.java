package dev.vecrnn.nn.train;

/**
 * What {@link Trainer} does when a batch's loss or a gradient is NaN or infinite (checked before the
 * gradients are clipped and the optimizer steps, so a bad batch never reaches the weights).
 */
public enum NonFinitePolicy {
    /** Throws a {@link NonFiniteException} naming the epoch and batch; the weights are those before that batch. The default. */
    STOP,
    /**
     * Skips that optimizer step (one per batch, or per window with TBPTT), leaves the batch out of the epoch's
     * mean loss and counts it in {@link Trainer.Epoch#skippedSteps()}.
     */
    SKIP_BATCH
}
