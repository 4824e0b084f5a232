package dev.vecrnn.nn;

import java.util.Arrays;
import java.util.Map;

/**
 * Argument checks of the nn packages' public API; every message names the argument, what it needs and what it got.
 * <p>Internal: public only because the packages above this one (recurrent, layers, model, format, train) share it;
 * it is not part of the supported API and may change without notice.
 */
@Internal
public final class Require {
    private Require() {
    }

    public static <T> T notNull(String name, T o) {
        if (o == null) throw new IllegalArgumentException(name + ": expected non-null, got null");
        return o;
    }

    /** {@code a[off, off + n)} inside {@code a}, with {@code n >= 0}. */
    public static void range(String name, float[] a, int off, long n) {
        notNull(name, a);
        if (n < 0) throw new IllegalArgumentException(name + ": expected a count >= 0, got " + n);
        if (off < 0) throw new IllegalArgumentException(name + ": expected offset >= 0, got " + off);
        if (off + n > a.length) {
            throw new IllegalArgumentException(name + ": expected length >= " + (off + n) + " (offset " + off + " + " + n
                    + " elements), got " + a.length);
        }
    }

    /** The arguments of {@code Layer.stateDict} and {@code Layer.loadStateDict}. */
    public static void stateDictArgs(String prefix, String mapName, Map<String, Tensor> map) {
        notNull("prefix", prefix);
        notNull(mapName, map);
    }

    /** A backward's {@code dOut}: the shape of the forward's output. */
    public static Batch gradient(Batch dOut, int batch, int steps, int features, boolean sequence) {
        notNull("dOut", dOut);
        if (dOut.batch() != batch || dOut.steps() != steps || dOut.features() != features || dOut.sequence() != sequence) {
            throw new IllegalArgumentException("dOut: expected the forward output's shape "
                    + Batch.shape(batch, steps, features, sequence) + ", got " + dOut);
        }
        return dOut;
    }

    /** Per-sequence lengths [B] in [1, T] (null: all full, T), checked into a new array. */
    public static int[] lengths(int[] lengths, int steps, int batch) {
        return lengths(lengths, steps, batch, new int[batch]);
    }

    /** lengths [B] (null: all full) checked into len [>= B], which is returned. */
    public static int[] lengths(int[] lengths, int steps, int batch, int[] len) {
        if (lengths == null) {
            Arrays.fill(len, 0, batch, steps);
            return len;
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException("lengths: expected " + batch + " entries (one per sequence), got " + lengths.length);
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > steps) {
                throw new IllegalArgumentException("lengths: expected values in [1, " + steps + "], got " + lengths[b]
                        + " at index " + b);
            }
            len[b] = lengths[b];
        }
        return len;
    }
}
