package dev.vecrnn.nn;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Argument checks of the nn packages' public API; every message names the argument, what it needs and what it got.
 * The one such helper of nn (the training package's own checks were folded in here); the kernels module keeps its
 * own checks, as it sits below nn and cannot depend on it.
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

    /** {@code a} not null and of length {@code expected}. */
    public static void length(String name, float[] a, long expected) {
        notNull(name, a);
        if (a.length != expected) throw wrongLength(name, expected, a.length);
    }

    /** {@code a} not null and of length {@code expected}. */
    public static void length(String name, int[] a, long expected) {
        notNull(name, a);
        if (a.length != expected) throw wrongLength(name, expected, a.length);
    }

    /** {@code a} not null and of length {@code expected}. */
    public static void length(String name, boolean[] a, long expected) {
        notNull(name, a);
        if (a.length != expected) throw wrongLength(name, expected, a.length);
    }

    /** {@code a} not null and at least {@code min} long: the rows a batched call reads or writes (n rows of a width). */
    public static void minLength(String name, float[] a, long min) {
        if (a == null || a.length < min) {
            throw new IllegalArgumentException(name + ": expected length >= " + min + ", got " + (a == null ? "null" : a.length));
        }
    }

    private static IllegalArgumentException wrongLength(String name, long expected, int got) {
        return new IllegalArgumentException(name + ": expected length " + expected + ", got " + got);
    }

    /** A count {@code n} of elements that is at least 1. */
    public static void nonEmpty(String name, int n) {
        if (n < 1) throw new IllegalArgumentException(name + ": expected at least 1 element, got 0");
    }

    /** {@code v >= 1}. */
    public static void positive(String name, int v) {
        if (v < 1) throw new IllegalArgumentException(name + ": expected >= 1, got " + v);
    }

    /** {@code v >= 0}. */
    public static void nonNegative(String name, int v) {
        if (v < 0) throw new IllegalArgumentException(name + ": expected >= 0, got " + v);
    }

    /** A finite {@code v >= 0} (NaN refused). */
    public static void nonNegative(String name, double v) {
        if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + ": expected a finite value >= 0, got " + v);
        }
    }

    /** A finite {@code v} (NaN refused). */
    public static void finite(String name, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(name + ": expected a finite value, got " + v);
    }

    /** {@code 0 <= v < 1}, as PyTorch requires of betas and as the kernels require of RMSprop's alpha. */
    public static void unit(String name, double v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(name + ": expected in [0, 1), got " + v);
    }

    /** The arguments of a loss: a non-empty input, a target and a grad (or null) of its length; returns N. */
    public static int lossArgs(float[] input, float[] target, float[] grad) {
        notNull("input", input);
        nonEmpty("input", input.length);
        length("target", target, input.length);
        if (grad != null) length("grad", grad, input.length);
        return input.length;
    }

    /** A non-empty list of params with distinct names (the names key an optimizer's state), copied. */
    public static List<Param> params(List<Param> params) {
        notNull("params", params);
        if (params.isEmpty()) throw new IllegalArgumentException("params: expected at least 1 param, got an empty list");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            if (p == null) throw new IllegalArgumentException("params: expected non-null params, got null at index " + i);
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("params: expected distinct names (they key the optimizer state), got '"
                        + p.name() + "' twice (second at index " + i + ")");
            }
        }
        return List.copyOf(params);
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
