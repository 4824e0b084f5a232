package dev.vecrnn.nn;

import java.util.Map;

/** Argument checks of the nn package's public API; every message names the argument, what it needs and what it got. */
final class Require {
    private Require() {
    }

    static <T> T notNull(String name, T o) {
        if (o == null) throw new IllegalArgumentException(name + ": expected non-null, got null");
        return o;
    }

    /** {@code a[off, off + n)} inside {@code a}, with {@code n >= 0}. */
    static void range(String name, float[] a, int off, long n) {
        notNull(name, a);
        if (n < 0) throw new IllegalArgumentException(name + ": expected a count >= 0, got " + n);
        if (off < 0) throw new IllegalArgumentException(name + ": expected offset >= 0, got " + off);
        if (off + n > a.length) {
            throw new IllegalArgumentException(name + ": expected length >= " + (off + n) + " (offset " + off + " + " + n
                    + " elements), got " + a.length);
        }
    }

    /** The arguments of {@link Layer#stateDict} and {@link Layer#loadStateDict}. */
    static void stateDictArgs(String prefix, String mapName, Map<String, Tensor> map) {
        notNull("prefix", prefix);
        notNull(mapName, map);
    }

    /** What a layer's {@code outputFeatures} is given: the input size it was made for (or, with expected 0, any size >= 1). */
    static int inputFeatures(Layer layer, int expected, int got) {
        if (expected == 0 ? got < 1 : got != expected) {
            throw new IllegalArgumentException("inputFeatures: expected " + (expected == 0 ? ">= 1" : expected + " (the input size of "
                    + layer.describe() + ")") + ", got " + got);
        }
        return got;
    }

    /** The cache a layer's forward made, as the layer's backward needs it. */
    static <C extends Layer.Cache> C cache(Layer layer, Class<C> type, Layer.Cache cache) {
        if (!type.isInstance(cache)) {
            throw new IllegalArgumentException("cache: expected the cache of a " + layer.describe() + " forward, got "
                    + (cache == null ? "null" : cache.getClass().getSimpleName()));
        }
        return type.cast(cache);
    }

    /** A backward's {@code dOut}: the shape of the forward's output. */
    static Batch gradient(Batch dOut, int batch, int steps, int features, boolean sequence) {
        notNull("dOut", dOut);
        if (dOut.batch() != batch || dOut.steps() != steps || dOut.features() != features || dOut.sequence() != sequence) {
            throw new IllegalArgumentException("dOut: expected the forward output's shape "
                    + Batch.shape(batch, steps, features, sequence) + ", got " + dOut);
        }
        return dOut;
    }
}
