package dev.vecrnn.nn.train;

/** Counts as this package's messages say them. */
final class Plural {
    private Plural() {
    }

    /** {@code n} and the noun, singular for one: "1 row", "0 rows", "3 rows" (nouns that take an s). */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
