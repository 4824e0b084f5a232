package dev.vecrnn.bench.report;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The JDKs the JMH forks run on, for {@code --jdks 25,17}: the library supports JDK 17 and later, and the
 * Vector API's code generation differs between releases, so the same benchmark is worth running on each.
 * An entry is {@code current} (the JVM running the table), a feature version to find ({@code 17}), or a
 * path to a JDK home or to its {@code java} executable.
 *
 * <p>A version is found as Maven's toolchains discovery finds one in the common case: among
 * {@code $JAVA_HOME}, the running JVM's home and every directory under {@code /usr/lib/jvm}, the homes
 * with a {@code bin/java} whose {@code release} file says {@code JAVA_VERSION="17..."}; of several, the
 * newest update. Which JDK a column really ran on is what its forks report ({@link WidthProfiler}), not
 * what the entry asked for.
 */
final class Jdks {
    private Jdks() {
    }

    /** The standard directory of installed JDKs on Linux (Debian's and the Adoptium packages'). */
    static final Path STANDARD = Path.of("/usr/lib/jvm");

    /**
     * One JDK to fork: the entry that named it, its {@code java} executable, and the version its
     * {@code release} file gives (null when it has none: a JDK given by path may lack one).
     */
    record Jdk(String asked, Path java, String version) {
        /** The JDK's home: the directory above {@code bin/java}. */
        Path home() {
            return java.getParent().getParent();
        }

        /** E.g. {@code JDK 17.0.15 at /usr/lib/jvm/java-17-openjdk-amd64}. */
        String describe() {
            return "JDK " + (version == null ? "of unknown version" : version) + " at " + home();
        }
    }

    private static final String HELP = "--jdks takes a comma-separated list of current (this JVM), a feature version"
            + " (17, 25) found under $JAVA_HOME or " + STANDARD + ", or the path of a JDK home or of its bin/java";

    /**
     * The JDKs of {@code --jdks}, in order. {@code javaHome} is {@code $JAVA_HOME} (null when unset),
     * {@code running} the running JVM's home, {@code roots} the directories whose subdirectories are
     * looked at (normally {@link #STANDARD}). Refuses, naming the entry, one that finds no JDK, an empty
     * entry, and the same JDK twice.
     */
    static List<Jdk> parse(String list, String javaHome, Path running, List<Path> roots) {
        List<Jdk> out = new ArrayList<>();
        for (String entry : list.split(",", -1)) {
            entry = entry.trim();
            Jdk jdk;
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("an empty entry in --jdks '" + list + "'; " + HELP);
            } else if (entry.equals("current")) {
                jdk = at(entry, running).orElseThrow(() -> new IllegalArgumentException("the running JVM's home "
                        + running + " has no bin/java"));
            } else if (entry.chars().allMatch(Character::isDigit)) {
                int feature = Integer.parseInt(entry);
                jdk = find(entry, feature, candidates(javaHome, running, roots)).orElseThrow(() -> new IllegalArgumentException(
                        "no JDK " + feature + " found (looked at $JAVA_HOME, this JVM's home and " + join(roots)
                                + " for a release file with JAVA_VERSION=\"" + feature + "...\"); give its path instead,"
                                + " e.g. --jdks current,/opt/jdk-" + feature));
            } else {
                Path p = Path.of(entry);
                jdk = (Files.isDirectory(p) ? at(entry, p) : Files.isRegularFile(p) && p.getParent() != null
                        && p.getParent().getParent() != null ? at(entry, p.getParent().getParent()) : Optional.<Jdk>empty())
                        .orElseThrow(() -> new IllegalArgumentException("no JDK at " + p + " (neither a JDK home with bin/java"
                                + " nor a bin/java); " + HELP));
            }
            for (Jdk seen : out) {
                if (same(seen.java(), jdk.java())) {
                    throw new IllegalArgumentException("--jdks names the same JDK twice: '" + seen.asked() + "' and '"
                            + entry + "' are both " + jdk.home());
                }
            }
            out.add(jdk);
        }
        return out;
    }

    /**
     * The JDK whose home is {@code home}, if it has an executable {@code bin/java}; the home as its real
     * path, so that a link such as Debian's {@code java-1.17.0-openjdk-amd64} names the directory it stands for.
     */
    static Optional<Jdk> at(String asked, Path home) {
        Path real;
        try {
            real = home.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        Path java = real.resolve("bin").resolve("java");
        if (!Files.isRegularFile(java) || !Files.isExecutable(java)) return Optional.empty();
        return Optional.of(new Jdk(asked, java, releaseVersion(real)));
    }

    /** Where a feature version is looked for: $JAVA_HOME, the running JVM's home, each directory under the roots. */
    static List<Path> candidates(String javaHome, Path running, List<Path> roots) {
        List<Path> out = new ArrayList<>();
        if (javaHome != null && !javaHome.isBlank()) out.add(Path.of(javaHome));
        out.add(running);
        for (Path root : roots) {
            if (!Files.isDirectory(root)) continue;
            List<Path> under = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
                for (Path p : ds) if (Files.isDirectory(p)) under.add(p);
            } catch (IOException e) {
                continue;   // an unreadable root has no JDK to offer
            }
            under.sort(Comparator.naturalOrder());   // a stable order, whatever the file system's
            out.addAll(under);
        }
        return out;
    }

    /** The newest JDK of {@code feature} among the candidates' homes (the first of equal versions). */
    private static Optional<Jdk> find(String asked, int feature, List<Path> candidates) {
        Jdk best = null;
        for (Path home : candidates) {
            Optional<Jdk> jdk = at(asked, home);
            if (jdk.isEmpty() || jdk.get().version() == null || feature(jdk.get().version()) != feature) continue;
            if (best == null || compare(jdk.get().version(), best.version()) > 0) best = jdk.get();
        }
        return Optional.ofNullable(best);
    }

    /** {@code JAVA_VERSION} of the home's {@code release} file, without its quotes; null when there is none. */
    static String releaseVersion(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) return null;
        try {
            for (String line : Files.readAllLines(release)) {
                line = line.trim();
                if (!line.startsWith("JAVA_VERSION=")) continue;
                String v = line.substring("JAVA_VERSION=".length()).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
                return v.isEmpty() ? null : v;
            }
        } catch (IOException | RuntimeException e) {
            return null;   // unreadable or not text: a JDK of unknown version
        }
        return null;
    }

    /**
     * The feature version of a {@code JAVA_VERSION}: {@code 17.0.15} -> 17, {@code 25} -> 25,
     * {@code 1.8.0_392} -> 8 (the old scheme); -1 when it does not start with a number.
     */
    static int feature(String version) {
        int[] n = numbers(version);
        if (n.length == 0) return -1;
        return n[0] == 1 && n.length > 1 ? n[1] : n[0];
    }

    /** Orders versions by their numbers, left to right ({@code 17.0.9} before {@code 17.0.15}). */
    static int compare(String a, String b) {
        int[] x = numbers(a), y = numbers(b);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i] != y[i]) return Integer.compare(x[i], y[i]);
        }
        return Integer.compare(x.length, y.length);
    }

    /** The leading run of numbers of a version, split at dots and underscores; stops at anything else ({@code -ea}, {@code +6}). */
    private static int[] numbers(String version) {
        List<Integer> out = new ArrayList<>();
        for (String part : version.split("[._]")) {
            int end = 0;
            while (end < part.length() && end < 9 && Character.isDigit(part.charAt(end))) end++;
            if (end == 0) break;
            out.add(Integer.parseInt(part.substring(0, end)));
            if (end < part.length()) break;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean same(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.equals(b);
        }
    }

    private static String join(List<Path> roots) {
        return String.join(", ", roots.stream().map(Path::toString).toList());
    }
}
