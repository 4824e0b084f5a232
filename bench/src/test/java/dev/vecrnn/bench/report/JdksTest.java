package dev.vecrnn.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How {@code --jdks} finds JDKs (fake homes in a temporary directory), and how the table's JDK ratio reads. */
class JdksTest {
    @TempDir
    Path dir;

    /** A fake JDK home: an executable bin/java, and a release file with JAVA_VERSION when {@code version} is not null. */
    private Path jdk(String name, String version) throws IOException {
        Path home = dir.resolve(name);
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\n");
        assertTrue(java.toFile().setExecutable(true));
        if (version != null) {
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version
                    + "\"\nJAVA_VERSION_DATE=\"2025-04-15\"\n");
        }
        return home.toRealPath();
    }

    @Test
    void versionsAreFoundByTheReleaseFileNewestUpdateFirst() throws IOException {
        Path jvm = Files.createDirectories(dir.resolve("jvm"));
        Path old17 = jdk("jvm/java-17-old", "17.0.9");
        Path new17 = jdk("jvm/java-17-new", "17.0.15");
        Path jdk25 = jdk("jvm/temurin-25", "25.0.3");
        jdk("jvm/java-8", "1.8.0_392");
        Files.createDirectories(jvm.resolve("not-a-jdk"));
        Files.writeString(jvm.resolve("a-file"), "");

        List<Jdks.Jdk> found = Jdks.parse("25, 17", null, jdk25, List.of(jvm));
        assertEquals(List.of("25", "17"), found.stream().map(Jdks.Jdk::asked).toList());
        assertEquals(jdk25, found.get(0).home());
        assertEquals(new17, found.get(1).home());
        assertEquals(new17.resolve("bin").resolve("java"), found.get(1).java());
        assertEquals("17.0.15", found.get(1).version());
        assertEquals("JDK 17.0.15 at " + new17, found.get(1).describe());
        assertEquals(jdk25, Jdks.parse("current", null, jdk25, List.of(jvm)).get(0).home());
        assertEquals(8, Jdks.feature(Jdks.parse("8", null, jdk25, List.of(jvm)).get(0).version()));

        // $JAVA_HOME outside the standard directory is looked at too, and wins only by a newer version.
        Path elsewhere = jdk("opt/jdk-17", "17.0.16");
        assertEquals(elsewhere, Jdks.parse("17", elsewhere.toString(), jdk25, List.of(jvm)).get(0).home());
        assertEquals(new17, Jdks.parse("17", old17.toString(), jdk25, List.of(jvm)).get(0).home());
    }

    @Test
    void aPathNamesAHomeOrItsJava() throws IOException {
        Path home = jdk("any/name", "21.0.2");
        Path running = jdk("running", "25.0.3");
        Jdks.Jdk byHome = Jdks.parse(home.toString(), null, running, List.of()).get(0);
        Jdks.Jdk byJava = Jdks.parse(home.resolve("bin/java").toString(), null, running, List.of()).get(0);
        assertEquals(home, byHome.home());
        assertEquals(home, byJava.home());
        assertEquals("21.0.2", byJava.version());
        // No release file: still a JDK to fork, of a version its forks will report.
        Path bare = jdk("bare", null);
        Jdks.Jdk unknown = Jdks.parse(bare.toString(), null, running, List.of()).get(0);
        assertNull(unknown.version());
        assertTrue(unknown.describe().contains("unknown version"), unknown.describe());
    }

    @Test
    void aLinkToAJdkIsThatJdk() throws IOException {
        Path jvm = Files.createDirectories(dir.resolve("jvm"));
        Path real = jdk("jvm/java-17-openjdk-amd64", "17.0.15");
        Files.createSymbolicLink(jvm.resolve("java-1.17.0-openjdk-amd64"), real);
        Path running = jdk("running", "25.0.3");
        assertEquals(real, Jdks.parse("17", null, running, List.of(jvm)).get(0).home());
        var e = assertThrows(IllegalArgumentException.class,
                () -> Jdks.parse("17," + jvm.resolve("java-1.17.0-openjdk-amd64"), null, running, List.of(jvm)));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void whatFindsNoJdkIsRefusedNamingIt() throws IOException {
        Path jvm = Files.createDirectories(dir.resolve("jvm"));
        Path running = jdk("running", "25.0.3");
        var e = assertThrows(IllegalArgumentException.class, () -> Jdks.parse("25,17", null, running, List.of(jvm)));
        assertTrue(e.getMessage().startsWith("no JDK 17 found") && e.getMessage().contains(jvm.toString()), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Jdks.parse(dir.resolve("nope").toString(), null, running, List.of()));
        assertTrue(e.getMessage().startsWith("no JDK at "), e.getMessage());
        Path noJava = Files.createDirectories(dir.resolve("jre-without-java"));
        e = assertThrows(IllegalArgumentException.class, () -> Jdks.parse(noJava.toString(), null, running, List.of()));
        assertTrue(e.getMessage().startsWith("no JDK at "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Jdks.parse("25,,17", null, running, List.of(jvm)));
        assertTrue(e.getMessage().contains("empty entry"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Jdks.parse("current,25", null, running, List.of(jvm)));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        // A missing standard directory is no JDK, not an error of its own.
        assertEquals(running, Jdks.parse("25", null, running, List.of(dir.resolve("missing"))).get(0).home());
    }

    @Test
    void releaseVersionsReadAsTheirFeatureAndOrder() throws IOException {
        assertEquals(17, Jdks.feature("17.0.15"));
        assertEquals(25, Jdks.feature("25"));
        assertEquals(8, Jdks.feature("1.8.0_392"));
        assertEquals(26, Jdks.feature("26-ea"));
        assertEquals(-1, Jdks.feature("unknown"));
        assertTrue(Jdks.compare("17.0.15", "17.0.9") > 0);
        assertTrue(Jdks.compare("17", "17.0.1") < 0);
        assertEquals(0, Jdks.compare("21.0.2", "21.0.2"));
        Path home = Files.createDirectories(dir.resolve("home"));
        assertNull(Jdks.releaseVersion(home));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=17.0.15\n");
        assertEquals("17.0.15", Jdks.releaseVersion(home));
        Files.writeString(home.resolve("release"), "OS_NAME=\"Linux\"\n");
        assertNull(Jdks.releaseVersion(home));
    }

    @Test
    void everyWidthRunsOnEveryJdkJdkByJdk() throws IOException {
        Path running = jdk("running", "25.0.3");
        Path jdk17 = jdk("jdk17", "17.0.15");
        List<Jdks.Jdk> jdks = Jdks.parse("current," + jdk17, null, running, List.of());
        List<Widths.Forks> sets = Widths.onJdks(Widths.parse("native,avx2", List.of("-Xmx1g"), "amd64"), jdks);
        assertEquals(List.of("native on current", "native on " + jdk17, "avx2 on current", "avx2 on " + jdk17),
                sets.stream().map(Widths.Forks::name).toList());
        assertEquals(List.of("-Xmx1g", "-XX:UseAVX=2"), sets.get(3).jvmArgs());
        assertTrue(sets.get(1).describe().endsWith(", JDK 17.0.15 at " + jdk17), sets.get(1).describe());
        assertEquals("native, no extra JVM options", Widths.Forks.NATIVE.describe());
    }

    @Test
    void theSameWidthOnAnotherJdkIsKeptAndOnTheSameJdkSkipped() throws Exception {
        Path running = jdk("running", "25.0.3");
        Path jdk17 = jdk("jdk17", "17.0.15");
        List<Widths.Forks> sets = Widths.onJdks(Widths.parse("native,avx2", List.of(), "amd64"),
                Jdks.parse("current," + jdk17, null, running, List.of()));
        // An AVX2 machine: both widths give 256 bits, on each JDK.
        var probed = Widths.probe(sets, f -> new WidthProfiler.Width(256, 256, f.jdk().asked().equals("current") ? "25.0.3" : "17.0.15"),
                "test");
        assertEquals(List.of("native on current", "native on " + jdk17), probed.stream().map(p -> p.forks().name()).toList());
        assertEquals(17, probed.get(1).width().javaFeature());
        assertEquals("JDK 17.0.15, 256-bit (panama-256)", probed.get(1).width().describeWithJava());
    }

    @Test
    void theJdkRatioIsTimeOverTimeForTimesAndThroughputs() {
        var w = new WidthProfiler.Width(512, 512);
        Comparison step = Comparison.byId("step-lstm-64"), tanh = Comparison.byId("tanh");
        Jmh.Score[] on25 = {new Jmh.Score("a", Map.of(), 4.0, 3.9, 4.2, "us/op", 0, w),
                new Jmh.Score("b", Map.of(), 20.0, 19, 21, "us/op", 0, w)};
        Jmh.Score[] on17 = {new Jmh.Score("a", Map.of(), 6.0, 5.9, 6.4, "us/op", 0, w),
                new Jmh.Score("b", Map.of(), 20.0, 19, 21, "us/op", 0, w)};
        assertEquals("1.50x (ONNX Runtime 1.00x)", BenchTable.ratioCell(step, on17, on25));
        // Elements per ns: fewer on the later JDK is slower, so the ratio is the first over the later.
        Jmh.Score[] t25 = {new Jmh.Score("a", Map.of(), 2.4, 2.3, 2.5, "ops/ns", 0, w), null};
        Jmh.Score[] t17 = {new Jmh.Score("a", Map.of(), 1.2, 1.1, 1.3, "ops/ns", 0, w), null};
        assertEquals("2.00x", BenchTable.ratioCell(tanh, t17, t25));
    }
}
