package dev.vecrnn.kernels;

import java.util.List;

/** The kernels under test: the scalar ones always, the Vector API ones where they can run (see SelectionTest). */
final class Impls {
    private Impls() {
    }

    static List<Kernels> all() {
        Kernels panama = Kernels.panama();
        return panama == null ? List.of(Kernels.scalar()) : List.of(Kernels.scalar(), panama);
    }
}
