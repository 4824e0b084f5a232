package dev.vecrnn.bench.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RooflineTest {
    private static Roofline withPeak(double gflops) {
        return new Roofline(Jmh.Settings.QUICK, Widths.Forks.NATIVE, gflops, new WidthProfiler.Width(512, 512));
    }

    @Test
    void fmaShareIsFlopsPerSecondOverThePeak() throws Exception {
        // 33,554,432 flops in 157 us = 213.72 GFLOP/s; over a 285 GFLOP/s peak, 0.74990 (worked by hand)
        double share = withPeak(285).share(Comparison.Bound.fma(33_554_432), 157);
        assertEquals(0.74990, share, 1e-5);
    }

    @Test
    void aProductPastThePeakSaysTheProbeReadLow() throws Exception {
        Roofline low = withPeak(133);   // what the multiplicand-chained probe read on JDK 25
        low.share(Comparison.Bound.fma(33_554_432), 157);   // 161% of it
        String summary = low.summary();
        assertTrue(summary.contains("fp32 FMA peak 133 GFLOP/s"), summary);
        assertTrue(summary.contains("a product ran at 161% of the FMA peak probed"), summary);
    }

    @Test
    void productsUnderThePeakLeaveTheSummaryAlone() throws Exception {
        Roofline r = withPeak(285);
        r.share(Comparison.Bound.fma(33_554_432), 157);
        r.share(Comparison.Bound.fma(33_554_432), 120);   // 98%
        assertFalse(r.summary().contains("read low"), r.summary());
    }
}
