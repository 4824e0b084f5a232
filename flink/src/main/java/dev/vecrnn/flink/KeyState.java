package dev.vecrnn.flink;

/**
 * One key's recurrent state as Flink keeps it: the model version that produced it, its step count, the
 * processing time of its last event (for the idle reset) and the model's state floats
 * ({@code ModelState.copyTo} / {@code StreamState.copyTo}). Serialized by {@link KeyStateSerializer}.
 */
public final class KeyState {
    long modelVersion;
    long steps;
    long lastSeen;
    float[] state;

    KeyState() {
    }

    KeyState(long modelVersion, long steps, long lastSeen, float[] state) {
        this.modelVersion = modelVersion;
        this.steps = steps;
        this.lastSeen = lastSeen;
        this.state = state;
    }

    /** The model version that produced this state. */
    public long modelVersion() {
        return modelVersion;
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
