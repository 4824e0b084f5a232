package dev.vecrnn.nn.train;

import java.util.Map;

/**
 * {@link Trainer#resumeFrom}: the checkpoint was written by a trainer configured otherwise (another seed, batch
 * size, validation split or data, training data, optimizer, schedule or loss weights) or for another model. Carries the setting that
 * differs and both sets of settings, so that a caller can say which of its own options to change; the message
 * names the setting as the trainer knows it.
 */
public final class CheckpointMismatchException extends IllegalArgumentException {
    private final String setting;
    private final Map<String, String> written;
    private final Map<String, String> trainer;

    CheckpointMismatchException(String message, String setting, Map<String, String> written, Map<String, String> trainer) {
        super(message);
        this.setting = setting;
        this.written = Map.copyOf(written);
        this.trainer = Map.copyOf(trainer);
    }

    /**
     * The first setting that differs: {@code seed}, {@code batch_size}, {@code validation_split} (the fraction,
     * followed by " (last rows)" for the last-rows split), {@code tbptt}, {@code data} and {@code validation_data}
     * (row counts and hashes, or "none"), {@code optimizer} and {@code schedule} (class names, or "none"), or
     * {@code loss_weights} (the loss with its weights, or "none"), a setting of the caller's ({@link Trainer#setting},
     * by its name); or {@code architecture} (the model's spec as
     * JSON) for a checkpoint of another model.
     */
    public String setting() {
        return setting;
    }

    /** The settings as the checkpoint holds them, by name (a setting the file lacks is absent). */
    public Map<String, String> written() {
        return written;
    }

    /** The settings of the trainer that tried to resume, by name. */
    public Map<String, String> trainer() {
        return trainer;
    }
}
