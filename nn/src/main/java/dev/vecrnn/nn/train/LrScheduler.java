package dev.vecrnn.nn.train;

/**
 * An epoch-indexed learning-rate schedule acting on an {@link Optimizer}, as {@code torch.optim.lr_scheduler}:
 * construction records the optimizer's current learning rate as the base and sets epoch 0; each
 * {@link #step()} (once per epoch, after the optimizer's steps) advances the epoch and sets the
 * optimizer's learning rate from the one it has now, by PyTorch's chainable form ({@code get_lr}), in double.
 * So a rate set from outside between steps ({@link Optimizer#setLearningRate}, another schedule) is carried on
 * from, as in PyTorch; without one, step() gives the closed form {@link #lrAt} (to double rounding).
 * {@link #setLastEpoch} jumps by the closed form, as PyTorch's {@code step(epoch)}.
 */
public interface LrScheduler extends Schedule {

    /** Steps one epoch; the monitored loss plays no part in an epoch-indexed schedule. */
    @Override
    default void epochEnded(double monitoredLoss) {
        step();
    }

    /** Advances one epoch and sets the optimizer's learning rate, from the rate it has now (see above). */
    void step();

    /** The epoch reached: 0 after construction, then the number of {@link #step()} calls. */
    int lastEpoch();

    /** The learning rate this schedule last set (the base rate at epoch 0). */
    double lastLr();

    /** The learning rate at {@code epoch} (>= 0), without changing anything. */
    double lrAt(int epoch);

    /** Jumps to {@code epoch} (>= 0) and sets the optimizer's learning rate to {@link #lrAt}, for resuming. */
    void setLastEpoch(int epoch);
}
