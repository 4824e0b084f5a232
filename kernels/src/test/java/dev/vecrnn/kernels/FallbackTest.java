package dev.vecrnn.kernels;

import java.util.List;
import java.util.Map;

import dev.vecrnn.kernels.PackedGates.Cell;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs in Surefire's fallback executions: a JVM started without {@code --add-modules
 * jdk.incubator.vector}, and one with the module but without FMA ({@code -XX:-UseFMA}, as on CPUs before
 * Haswell or with {@code -XX:UseAVX=0}). The scalar kernels must be chosen, say why (in
 * {@link Kernels#whyNoPanama()} and in one WARNING record on the {@code System.Logger} named
 * {@code dev.vecrnn.kernels}, read through {@link RecordingLoggerFinder}), and compute one LSTM step right.
 */
class FallbackTest {

    @Test
    void scalarKernelsAreChosenAndWorkWithoutTheVectorModule() {
        assumeTrue(Boolean.getBoolean("vecrnn.expect.fallback"), "only in a JVM where the Vector API kernels must not be chosen");
        // what the reason must name: the module (a JVM started without it) or FMA (-XX:-UseFMA)
        String cause = System.getProperty("vecrnn.expect.fallback.cause", "jdk.incubator.vector");
        if (cause.equals("jdk.incubator.vector")) {
            assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty(), "this JVM has the module after all");
        }
        assertNull(Kernels.panama());
        assertNotNull(Kernels.whyNoPanama());
        assertTrue(Kernels.whyNoPanama().contains(cause), Kernels.whyNoPanama());
        // the selection logs the fallback once, at WARNING, with the same reason (and prints nothing itself)
        assertEquals(List.of("WARNING using the scalar kernels: " + Kernels.whyNoPanama()), RecordingLoggerFinder.kernelRecords());
        assertSame(Kernels.scalar(), Kernels.get());
        assertEquals("scalar", Kernels.get().name());
        assertEquals(List.of(Kernels.scalar()), Impls.all());

        // One LSTM step, batch 2: gates = W_ih x + W_hh h + b, then the pointwise step on each row.
        Data d = new Data(20250101);
        int in = 5, hid = 3, batch = 2, g = 4 * hid;
        GateModel m = GateModel.random(d, Cell.LSTM, in, hid, hid, true);
        PackedGates p = m.pack();
        float[] x = d.matrix(1, batch, in, in + 2), h = d.matrix(0, batch, hid, hid), cPrev = d.vector(2, batch * hid);
        float[] gates = new float[batch * g];
        Kernels k = Kernels.get();
        k.gates(p, batch, x, 1, in + 2, h, 0, hid, gates, 0, g);
        Fp[] refGates = m.gates(batch, x, 1, in + 2, h, 0, hid, true, null, 0, 0);
        new Check("fallback gates").whole("gates", refGates).on(kern -> {
            float[] out = new float[batch * g];
            kern.gates(p, batch, x, 1, in + 2, h, 0, hid, out, 0, g);
            return Map.of("gates", out);
        });
        for (int b = 0; b < batch; b++) {
            int row = b;
            Fp[] acts = new Fp[g], cs = new Fp[hid], hs = new Fp[hid];
            for (int j = 0; j < hid; j++) {
                Fp[] r = Reference.lstmForward(gates[row * g + j], gates[row * g + hid + j], gates[row * g + 2 * hid + j],
                        gates[row * g + 3 * hid + j], cPrev[2 + row * hid + j]);
                for (int q = 0; q < 4; q++) acts[q * hid + j] = r[q];
                cs[j] = r[4];
                hs[j] = r[5];
            }
            new Check("fallback lstmForward row " + row).whole("acts", acts).whole("c", cs).whole("h", hs).on(kern -> {
                float[] a = java.util.Arrays.copyOfRange(gates, row * g, row * g + g), c = new float[hid], hh = new float[hid];
                kern.lstmForward(hid, a, 0, cPrev, 2 + row * hid, c, 0, hh, 0);
                return Map.of("acts", a, "c", c, "h", hh);
            });
        }
    }
}
