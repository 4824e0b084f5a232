package dev.vecrnn.cli;

import java.util.Locale;
import java.util.regex.Pattern;

/** Range checks of option values, each on its own: what is refused does not depend on other options. */
final class Check {
    /** The most threads any command uses; more only costs memory and scheduling. */
    static final int MAX_THREADS = 1024;

    private Check() {
    }

    /**
     * A decimal number: an optional sign, digits with an optional point (or a point and digits), an optional exponent.
     * Possessive quantifiers: with greedy ones a long run of digits ending in another character backtracked in time
     * quadratic in its length (100,000 digits then an x in --lr: refused after two minutes; a CSV cell is longer still).
     */
    static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d++(\\.\\d*+)?|\\.\\d++)([eE][+-]?\\d++)?");
    /** Python's float() spellings of NaN and the infinities, in any case: nan, inf, infinity, signed or not. */
    private static final Pattern NON_FINITE = Pattern.compile("([+-]?)(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);

    /**
     * Whether {@code text}, spaces around it aside, is a number as a person and Python's float() write one: a {@link #DECIMAL},
     * or nan, inf or infinity in any case, signed or not (read, to be refused by the option's range in its words). Not the other
     * spellings Double.parseDouble takes, a type suffix (1e-3f, 2d) or hexadecimal (0x1p-4, 1/16), with which a typo read as a
     * number; nor Python's digit separators (1_000).
     */
    static boolean isNumber(String text) {
        return javaNumber(text) != null;
    }

    /** {@code text} as Double.parseDouble reads the same number (nan as NaN, -inf as -Infinity), or null where {@link #isNumber} is false. */
    static String javaNumber(String text) {
        String s = text.strip();
        if (DECIMAL.matcher(s).matches()) return s;
        java.util.regex.Matcher m = NON_FINITE.matcher(s);
        if (!m.matches()) return null;
        return m.group(2).equalsIgnoreCase("nan") ? "NaN" : m.group(1) + "Infinity";
    }

    /** {@code value} in [min, max]. */
    static int range(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(option + ": expected " + (max == Integer.MAX_VALUE ? ">= " + min : "an integer in [" + min + ", " + max + "]")
                    + ", got " + value);
        }
        return value;
    }

    static int atLeast(String option, int value, int min) {
        return range(option, value, min, Integer.MAX_VALUE);
    }

    static int threads(int value) {
        return range("--threads", value, 1, MAX_THREADS);
    }

    /** A {@code value} > 0 that stays finite and above zero as a float (the precision of the weights it scales). */
    static double positive(String option, double value) {
        if (!(value > 0) || !(value <= Float.MAX_VALUE) || (float) value == 0f) {
            throw new IllegalArgumentException(option + ": expected a number > 0 that a float holds (at most " + Float.MAX_VALUE + "), got " + value);
        }
        return value;
    }

    /** A finite {@code value} >= 0. NaN is refused. */
    static double finiteAtLeastZero(String option, double value) {
        if (!(value >= 0 && value < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException(option + ": expected a finite number >= 0, got " + value);
        return value;
    }

    /** A finite {@code value} in [min, max). NaN is always refused. */
    static double fraction(String option, double value, double min, double max) {
        if (!(value >= min) || !(value < max)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: expected a number in [%s, %s), got %s", option,
                    plain(min), plain(max), value));
        }
        return value;
    }

    /** One of {@code allowed} (case-insensitive), returned in lower case. */
    static String oneOf(String option, String value, String... allowed) {
        String v = value.toLowerCase(Locale.ROOT);
        for (String a : allowed) if (a.equals(v)) return v;
        throw new IllegalArgumentException(option + ": expected " + String.join(", ", allowed) + "; got '" + value + "'");
    }

    private static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
