package dev.vecrnn.kernels;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ArbitrarySupplier;
import net.jqwik.api.Tuple;

/**
 * Generated shapes for the properties. Values are drawn inside a property from a generated seed
 * ({@link Data}): fast, and the seed in a failure report replays them.
 */
final class Gen {
    /** Every tail of 4-, 8- and 16-lane vectors: 0, 1, lanes - 1, lanes, lanes + 1, two and four vectors around. */
    static final int[] TAILS = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65};

    private Gen() {
    }

    static Arbitrary<Integer> sizes(int min, int max) {
        List<Integer> tails = IntStream.of(TAILS).filter(s -> s >= min && s <= max).boxed().toList();
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(tails)),
                Tuple.of(2, Arbitraries.integers().between(min, max)));
    }

    /** Vector lengths: the tails and random ones up to 300. */
    public static final class Size implements ArbitrarySupplier<Integer> {
        @Override
        public Arbitrary<Integer> get() {
            return sizes(0, 300);
        }
    }

    /** Vector lengths of at least 1 (softmax, hidden sizes). */
    public static final class Positive implements ArbitrarySupplier<Integer> {
        @Override
        public Arbitrary<Integer> get() {
            return sizes(1, 300);
        }
    }

    /** Matrix dimensions: the tails and random ones up to 80, so that m * n * k stays small. */
    public static final class Dim implements ArbitrarySupplier<Integer> {
        @Override
        public Arbitrary<Integer> get() {
            return sizes(0, 80);
        }
    }

    /** Batch sizes: 0, 1, around the 4-row tile, 32, and random ones up to 40. */
    public static final class Batch implements ArbitrarySupplier<Integer> {
        @Override
        public Arbitrary<Integer> get() {
            return Arbitraries.frequencyOf(
                    Tuple.of(3, Arbitraries.of(0, 1, 2, 3, 4, 5, 7, 32)),
                    Tuple.of(1, Arbitraries.integers().between(0, 40)));
        }
    }

    static String shape(int... dims) {
        return Arrays.toString(dims);
    }
}
