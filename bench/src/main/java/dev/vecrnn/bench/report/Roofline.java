package dev.vecrnn.bench.report;

import org.openjdk.jmh.runner.RunnerException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This machine's bounds from {@code RooflineBench}, in forks started with one set of JVM options (so at
 * one vector width): the fp32 FMA peak of one core and the read bandwidth at a given working-set size
 * (probed once per size), and the share of them a measured time reaches.
 */
final class Roofline {
    private final Jmh.Settings settings;
    private final Widths.Forks forks;
    private double peakGflops = Double.NaN;
    /** The largest share of the FMA peak any row reached (above 1: the probe read low). */
    private double maxFlopShare;
    private WidthProfiler.Width width;
    private final Map<Long, Double> bandwidth = new LinkedHashMap<>();

    Roofline(Jmh.Settings settings, Widths.Forks forks) {
        this.settings = settings;
        this.forks = forks;
    }

    /** With the FMA peak already known (in GFLOP/s, at {@code width}): no probe is run for it. */
    Roofline(Jmh.Settings settings, Widths.Forks forks, double peakGflops, WidthProfiler.Width width) {
        this(settings, forks);
        this.peakGflops = peakGflops;
        this.width = width;
    }

    /** fp32 GFLOP/s: vector FMAs per ns x 2 flops x the lanes of the probe's fork (not of this JVM). */
    double peakGflops() throws RunnerException {
        if (Double.isNaN(peakGflops)) {
            Jmh.Score s = Jmh.run("dev.vecrnn.bench.RooflineBench.fmaPeak", settings, forks, false, "kib=256");
            width = s.width();
            peakGflops = s.median() * 2 * (width.vectorBits() / 32);
        }
        return peakGflops;
    }

    /** The width the FMA probe's fork ran at (probing the peak if it was not yet). */
    WidthProfiler.Width width() throws RunnerException {
        peakGflops();
        return width;
    }

    /** Read bandwidth in GB/s for a working set of {@code bytes} (rounded up to whole KiB). */
    double readGBs(double bytes) throws RunnerException {
        long kib = (long) Math.ceil(bytes / 1024);
        Double bw = bandwidth.get(kib);
        if (bw == null) {
            Jmh.Score s = Jmh.run("dev.vecrnn.bench.RooflineBench.read", settings, forks, false, "kib=" + kib);
            bw = kib * 1024.0 / s.median();   // bytes per ns = GB/s
            bandwidth.put(kib, bw);
        }
        return bw;
    }

    /** The share of the row's bound that a time of {@code micros} per call reaches (1 = at the bound). */
    double share(Comparison.Bound bound, double micros) throws RunnerException {
        if (bound == null) return Double.NaN;
        if (bound.isBandwidth()) return bound.bytes() / readGBs(bound.bytes()) / (micros * 1000);
        double share = bound.flops() / (micros * 1000) / peakGflops();
        maxFlopShare = Math.max(maxFlopShare, share);
        return share;
    }

    /** A line on the bounds probed so far, for under the table. */
    String summary() {
        List<String> parts = new ArrayList<>();
        if (!Double.isNaN(peakGflops)) parts.add("fp32 FMA peak " + Fmt.number(peakGflops) + " GFLOP/s");
        bandwidth.forEach((kib, bw) -> parts.add("read " + Fmt.number(bw) + " GB/s at " + kib + " KiB"));
        String line = parts.isEmpty() ? "no bounds were probed in this run" : "bounds probed in this run: " + String.join("; ", parts);
        // A product cannot beat the FMA peak; past it (with a margin for the two runs' noise), the probe
        // read low, as it did before 2026-12-05 (its chains were multiplicands, and JDK 25 inlined it).
        if (maxFlopShare > 1.05) {
            line += "; a product ran at " + Fmt.percent(maxFlopShare) + " of the FMA peak probed, so the probe read"
                    + " low in this run and the FMA shares are overstated";
        }
        return line;
    }

    /** The CPU's model name from /proc/cpuinfo, or the architecture where there is none. */
    static String cpuModel() {
        String model = cpuinfo("model name");
        return model != null ? model : System.getProperty("os.arch") + " (no model name in /proc/cpuinfo)";
    }

    /**
     * Whether the CPU has VNNI's integer dot products (AVX512_VNNI or AVX_VNNI in /proc/cpuinfo's flags), on
     * which ONNX Runtime runs its int8 products; false where there is no /proc/cpuinfo to say.
     */
    static boolean vnni() {
        String flags = cpuinfo("flags");
        if (flags == null) return false;
        java.util.List<String> all = java.util.Arrays.asList(flags.split("\\s+"));
        return all.contains("avx512_vnni") || all.contains("avx_vnni");
    }

    /** The value of the first {@code key : value} line of /proc/cpuinfo with that key, or null (not Linux, or no such line). */
    private static String cpuinfo(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) return line.substring(colon + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: nothing to say.
        }
        return null;
    }
}
