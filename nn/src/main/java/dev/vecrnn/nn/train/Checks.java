package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Argument checks shared by the training utilities; every message names the argument, what it needs and what it got. */
final class Checks {
    private Checks() {
    }

    static void notNull(String name, Object o) {
        if (o == null) throw new IllegalArgumentException(name + ": expected non-null, got null");
    }

    static void length(String name, float[] a, long expected) {
        notNull(name, a);
        if (a.length != expected) throw new IllegalArgumentException(name + ": expected length " + expected + ", got " + a.length);
    }

    static void length(String name, int[] a, long expected) {
        notNull(name, a);
        if (a.length != expected) throw new IllegalArgumentException(name + ": expected length " + expected + ", got " + a.length);
    }

    static void length(String name, boolean[] a, long expected) {
        notNull(name, a);
        if (a.length != expected) throw new IllegalArgumentException(name + ": expected length " + expected + ", got " + a.length);
    }

    static void nonEmpty(String name, int n) {
        if (n < 1) throw new IllegalArgumentException(name + ": expected at least 1 element, got 0");
    }

    static void positive(String name, int v) {
        if (v < 1) throw new IllegalArgumentException(name + ": expected >= 1, got " + v);
    }

    static void nonNegative(String name, int v) {
        if (v < 0) throw new IllegalArgumentException(name + ": expected >= 0, got " + v);
    }

    static void nonNegative(String name, double v) {
        if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + ": expected a finite value >= 0, got " + v);
        }
    }

    static void finite(String name, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(name + ": expected a finite value, got " + v);
    }

    /** {@code 0 <= v < 1}, as PyTorch requires of betas and as the kernels require of RMSprop's alpha. */
    static void unit(String name, double v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(name + ": expected in [0, 1), got " + v);
    }

    /** The arguments of {@link Loss#forward}: a non-empty input, a target and a grad (or null) of its length; returns N. */
    static int lossArgs(float[] input, float[] target, float[] grad) {
        notNull("input", input);
        nonEmpty("input", input.length);
        length("target", target, input.length);
        if (grad != null) length("grad", grad, input.length);
        return input.length;
    }

    /** A non-empty list of params with distinct names (the names key the optimizer state). */
    static List<Param> params(List<Param> params) {
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
}
