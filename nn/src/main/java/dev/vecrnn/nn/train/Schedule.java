package dev.vecrnn.nn.train;

/**
 * A learning-rate schedule as the Trainer drives it: once per epoch, after that epoch's optimizer steps,
 * with the loss it monitors. The two kinds: an {@link LrScheduler}, which follows the epoch count
 * ({@code StepLR}, {@code CosineAnnealingLR}), and {@link ReduceLROnPlateau}, which follows the loss.
 */
public interface Schedule {

    /**
     * The end of an epoch: {@code monitoredLoss} is the validation loss, or the training loss when there
     * is no validation data.
     */
    void epochEnded(double monitoredLoss);
}
