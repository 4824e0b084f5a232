package dev.vecrnn.nn.recurrent;

/** The per-stream arrays of a {@link StreamState}, for tests in other packages (the state keeps them package-private). */
public final class StreamStates {
    private StreamStates() {
    }

    /** h [L, P], the state's own array. */
    public static float[] h(StreamState s) {
        return s.h;
    }

    /** c [L, H] (LSTM; null otherwise), the state's own array. */
    public static float[] c(StreamState s) {
        return s.c;
    }
}
