package dev.vecrnn.kernels;

import java.util.Arrays;
import java.util.Random;

import dev.vecrnn.kernels.PackedGates.Cell;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A batched product gives every row the same bits however the batch is cut (threads take row ranges,
 * training batches differ in size): the rows of one call of 133 against the same rows computed in
 * pieces of 4, 5, 64 and 60 rows. The sizes cross the register tiles (4 rows), their remainders and the
 * 64-row interleaved copies of the input; I = 150 crosses the 128-column blocks of the 512-bit tiles.
 */
class BatchPartitionTest {
    private static final int[] PIECES = {4, 5, 64, 60};
    private static final int BATCH = 133;

    @Test
    void gatesAndBackwardDataDoNotDependOnTheBatchPartition() {
        for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.panama()}) {
            if (k == null) continue;
            for (Cell cell : new Cell[] {Cell.LSTM, Cell.GRU}) check(k, cell, 150, 20);
        }
    }

    private static void check(Kernels k, Cell cell, int in, int hid) {
        Random rnd = new Random(12);
        int rows = cell.gates * hid;
        PackedGates p = PackedGates.pack(cell, in, hid, hid, uniform(rnd, rows * in), uniform(rnd, rows * hid),
                uniform(rnd, rows), uniform(rnd, rows));
        TransposedGates t = TransposedGates.of(p);
        int g = p.outputSize();
        float[] x = uniform(rnd, BATCH * in), h = uniform(rnd, BATCH * hid), dG = uniform(rnd, BATCH * g);
        float[] whole = new float[BATCH * g], pieces = new float[BATCH * g];
        float[] dxWhole = new float[BATCH * in], dhWhole = new float[BATCH * hid];
        float[] dxPieces = new float[BATCH * in], dhPieces = new float[BATCH * hid];
        k.gates(p, BATCH, x, 0, in, h, 0, hid, whole, 0, g);
        k.gatesBackwardData(t, BATCH, dG, 0, g, dxWhole, 0, in, dhWhole, 0, hid);
        for (int b = 0, i = 0; b < BATCH; i++) {
            int n = Math.min(PIECES[i % PIECES.length], BATCH - b);
            k.gates(p, n, x, b * in, in, h, b * hid, hid, pieces, b * g, g);
            k.gatesBackwardData(t, n, dG, b * g, g, dxPieces, b * in, in, dhPieces, b * hid, hid);
            b += n;
        }
        String what = k.name() + " " + cell + " batch " + BATCH + " in pieces of " + Arrays.toString(PIECES);
        assertArrayEquals(whole, pieces, "gates, " + what);
        assertArrayEquals(dxWhole, dxPieces, "gatesBackwardData dx, " + what);
        assertArrayEquals(dhWhole, dhPieces, "gatesBackwardData dh, " + what);
    }

    private static float[] uniform(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() * 2 - 1;
        return a;
    }
}
