package dev.vecrnn.flink;

/**
 * One key's recurrent state as Flink keeps it: the model version that produced it, the fingerprint of the
 * state's layout (what its floats are: the model's recurrent stacks, see {@link StepModel.Stepper#stateLayout()}),
 * its step count, the processing time of its last event (for the idle reset) and the model's state floats
 * ({@code ModelState.copyTo} / {@code StreamState.copyTo}). Serialized by {@link KeyStateSerializer}.
 */
public final class KeyState {
    long modelVersion;
    long layout;
    long steps;
    long lastSeen;
    float[] state;

    KeyState(long modelVersion, long layout, long steps, long lastSeen, float[] state) {
        this.modelVersion = modelVersion;
        this.layout = layout;
        this.steps = steps;
        this.lastSeen = lastSeen;
        this.state = state;
    }

    /** The model version that produced this state. */
    public long modelVersion() {
        return modelVersion;
    }

    /**
     * The fingerprint of the state's layout, or 0 for a state restored from a savepoint written before
     * fingerprints were kept (serializer format 3), until its next step records the model's.
     */
    public long layoutFingerprint() {
        return layout;
    }

    /** Steps taken since the state was last started. */
    public long steps() {
        return steps;
    }

    /** A copy of the state floats. */
    public float[] state() {
        return state.clone();
    }
}
