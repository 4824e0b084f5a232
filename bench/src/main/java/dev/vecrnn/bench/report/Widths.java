package dev.vecrnn.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options of the JMH forks, one set per vector width asked for: {@code --widths native,avx2}
 * names the sets, {@code --jvm-args "..."} adds options to every one of them. Which width a set really
 * gave is what its forks report ({@link WidthProfiler}), not what its name promises.
 */
final class Widths {
    private Widths() {
    }

    /**
     * One set of forks: its name ({@code native}, {@code avx2}, ...), the options appended to each fork's
     * JVM, and the JDK they run on ({@code --jdks}; null for the JVM running the table, as JMH does by default).
     */
    record Forks(String name, List<String> jvmArgs, Jdks.Jdk jdk) {
        Forks {
            jvmArgs = List.copyOf(jvmArgs);
        }

        Forks(String name, List<String> jvmArgs) {
            this(name, jvmArgs, null);
        }

        static final Forks NATIVE = new Forks("native", List.of());

        String describe() {
            String options = jvmArgs.isEmpty() ? name + ", no extra JVM options" : name + ", JVM options " + String.join(" ", jvmArgs);
            return jdk == null ? options : options + ", " + jdk.describe();
        }
    }

    /**
     * Every set once on each JDK, JDK by JDK within a width ({@code native on 25}, {@code native on 17},
     * {@code avx2 on 25}, ...), so that the table puts the JDKs of one width side by side.
     */
    static List<Forks> onJdks(List<Forks> sets, List<Jdks.Jdk> jdks) {
        List<Forks> out = new ArrayList<>();
        for (Forks f : sets) {
            for (Jdks.Jdk jdk : jdks) out.add(new Forks(f.name() + " on " + jdk.asked(), f.jvmArgs(), jdk));
        }
        return out;
    }

    private static final String HELP = "--widths takes a comma-separated list of native (no extra options), "
            + "avx2 (-XX:UseAVX=2, 256-bit code on x86) and 128 (-XX:MaxVectorSize=16)";

    /** The options a name of {@code --widths} adds to the forks' JVM. */
    private static List<String> options(String name) {
        return switch (name) {
            case "native" -> List.of();
            case "avx2" -> List.of("-XX:UseAVX=2");          // x86 only: 256-bit AVX2 code on an AVX-512 machine
            case "128" -> List.of("-XX:MaxVectorSize=16");   // vectors of at most 128 bits, any CPU
            default -> throw new IllegalArgumentException("unknown width '" + name + "'; " + HELP);
        };
    }

    /**
     * The fork sets for {@code --widths} with {@code jvmArgs} added to each; with no {@code --widths}, one
     * set named {@code native} or, with {@code jvmArgs}, {@code custom}. avx2 is left out, saying so on
     * stderr, where {@code arch} is not x86 (HotSpot refuses the option there).
     */
    static List<Forks> parse(String widths, List<String> jvmArgs, String arch) {
        if (widths == null) return List.of(jvmArgs.isEmpty() ? Forks.NATIVE : new Forks("custom", jvmArgs));
        List<Forks> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String name : widths.split(",", -1)) {
            name = name.trim();
            List<String> own = options(name);
            if (names.contains(name)) throw new IllegalArgumentException("width '" + name + "' is named twice");
            names.add(name);
            if (name.equals("avx2") && !isX86(arch)) {
                System.err.println("bench: avx2 left out: -XX:UseAVX is an x86 option and this machine is " + arch);
                continue;
            }
            List<String> all = new ArrayList<>(jvmArgs);
            all.addAll(own);
            out.add(new Forks(name, all));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no width left to run of " + widths);
        return out;
    }

    /** How a caller learns the width a set of forks runs at: by running one fork with its options. */
    interface Probe {
        WidthProfiler.Width width(Forks forks) throws Exception;
    }

    /** A set of forks and the width its probe reported. */
    record Probed(Forks forks, WidthProfiler.Width width) {
    }

    /**
     * Each set with the width its forks report; a set at the vector size of an earlier one on the same
     * Java version is left out, saying so on stderr after {@code who}. When a set's forks do not start (a JVM option refused), says
     * why and exits 2.
     */
    static List<Probed> probe(List<Forks> sets, Probe probe, String who) throws Exception {
        List<Probed> out = new ArrayList<>();
        for (Forks forks : sets) {
            WidthProfiler.Width width;
            try {
                width = probe.width(forks);
            } catch (IllegalStateException e) {
                System.err.println(who + ": " + forks.describe() + ": " + e.getMessage());
                System.exit(2);
                return out;
            }
            Probed same = out.stream().filter(p -> p.width().vectorBits() == width.vectorBits()
                    && p.width().java().equals(width.java())).findFirst().orElse(null);
            if (same == null) {
                out.add(new Probed(forks, width));
            } else {
                System.err.println(who + ": " + forks.describe() + ": the forks run at " + width.describe()
                        + (forks.jdk() == null ? "" : " on Java " + width.java()) + ", as with "
                        + same.forks().name() + "; skipped (the same width again)");
            }
        }
        return out;
    }

    /** The words of a {@code --jvm-args} value. */
    static List<String> split(String jvmArgs) {
        String t = jvmArgs.trim();
        return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
    }

    static boolean isX86(String arch) {
        return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86") || arch.equals("i386");
    }
}
