package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.util.ArrayList;
import java.util.List;

/**
 * Both kernel implementations by name, so that a failure report reads {@code impl = "panama"} and
 * replays on the same one. Where the Vector API kernels cannot run here only the scalar ones are checked.
 */
final class KernelImpls {
    private KernelImpls() {
    }

    static Arbitrary<String> names() {
        List<String> names = new ArrayList<>();
        names.add("scalar");
        if (Kernels.panama() != null) names.add("panama");
        return Arbitraries.of(names);
    }

    static Kernels byName(String name) {
        return switch (name) {
            case "scalar" -> Kernels.scalar();
            case "panama" -> Kernels.panama();
            default -> throw new IllegalArgumentException("kernels: expected scalar or panama, got " + name);
        };
    }
}
