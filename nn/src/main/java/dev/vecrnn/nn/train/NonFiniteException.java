package dev.vecrnn.nn.train;

/** A non-finite loss or gradient met in training under {@link NonFinitePolicy#STOP}. */
public final class NonFiniteException extends ArithmeticException {
    private final int epoch;
    private final int batch;

    NonFiniteException(int epoch, int batch, String message) {
        super(message);
        this.epoch = epoch;
        this.batch = batch;
    }

    /** The epoch (from 1) of the faulty batch. */
    public int epoch() {
        return epoch;
    }

    /** The batch (from 1, within its epoch) whose loss or gradient was not finite. */
    public int batch() {
        return batch;
    }
}
