package dev.vecrnn.kernels;

import dev.vecrnn.kernels.PackedGates.Cell;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import static dev.vecrnn.kernels.PackedGates.PANEL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The packing itself: exact round trip, the bias layout, and the panel layout the class javadoc describes. */
class PackedGatesTest {

    @Property(tries = 60)
    void packThenUnpackIsExact(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                               @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected,
                               @ForAll boolean biases, @ForAll long seed) {
        Data d = new Data(seed);
        int rec = projected ? d.random.nextInt(2 * hid + 1) : hid;
        GateModel m = GateModel.random(d, cell, in, rec, hid, biases);
        PackedGates p = m.pack();
        assertEquals(cell, p.cell());
        assertEquals(cell.gates, p.gates());
        assertEquals(in, p.inputSize());
        assertEquals(rec, p.recurrentSize());
        assertEquals(hid, p.hiddenSize());
        assertEquals(m.outputs(), p.outputSize());
        float[] wih = new float[m.rows() * in], whh = new float[m.rows() * rec];
        p.unpackWeights(wih, whh);
        assertArrayEquals(m.wih(), wih);
        assertArrayEquals(m.whh(), whh);
        for (int r = 0; r < m.rows(); r++) {
            for (int k = 0; k < in; k++) assertEquals(m.wih()[r * in + k], p.get(r, k));
            for (int k = 0; k < rec; k++) assertEquals(m.whh()[r * rec + k], p.get(r, in + k));
        }
    }

    // Where both PyTorch biases feed one output they are summed (one float rounding); GRU n_x and n_h keep their own.
    @Property(tries = 60)
    void biasLayout(@ForAll Cell cell, @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean withIh,
                    @ForAll boolean withHh, @ForAll long seed) {
        Data d = new Data(seed);
        int rows = cell.gates * hid;
        float[] bih = withIh ? d.plain(rows) : null, bhh = withHh ? d.plain(rows) : null;
        PackedGates p = PackedGates.pack(cell, 2, 3, hid, new float[rows * 2], new float[rows * 3], bih, bhh);
        float[] expected = new float[p.outputSize()];
        for (int r = 0; r < rows; r++) {
            float i = bih == null ? 0f : bih[r], h = bhh == null ? 0f : bhh[r];
            if (cell == Cell.GRU && r >= 2 * hid) {
                expected[r] = i;
                expected[r + hid] = h;
            } else {
                expected[r] = (float) ((double) i + h);
            }
        }
        assertArrayEquals(expected, p.bias());
        p.setBias(null, null);
        assertArrayEquals(new float[p.outputSize()], p.bias());
    }

    // Panels of 16 rows stored column-major; GRU blocks: r and z over [x; h], n over x, n over h.
    @Property(tries = 60)
    void panelLayoutAsDocumented(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                 @ForAll(supplier = Gen.Size.class) int rec, @ForAll(supplier = Gen.Positive.class) int hid) {
        PackedGates p = PackedGates.zeros(cell, in, rec, hid);
        int s = in + rec;
        int weights = 0;
        if (cell == Cell.GRU) {
            int rz = panels(2 * hid) * PANEL * s, nx = panels(hid) * PANEL * in;
            for (int r = 0; r < 3 * hid; r++) {
                for (int k = 0; k < s; k++) {
                    int expected;
                    if (r < 2 * hid) expected = (r / PANEL) * PANEL * s + k * PANEL + r % PANEL;
                    else if (k < in) expected = rz + ((r - 2 * hid) / PANEL) * PANEL * in + k * PANEL + (r - 2 * hid) % PANEL;
                    else expected = rz + nx + ((r - 2 * hid) / PANEL) * PANEL * rec + (k - in) * PANEL + (r - 2 * hid) % PANEL;
                    assertEquals(expected, p.index(r, k), "W[" + r + ", " + k + "]");
                }
            }
            weights = rz + nx + panels(hid) * PANEL * rec;
        } else {
            int rows = cell.gates * hid;
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < s; k++) assertEquals((r / PANEL) * PANEL * s + k * PANEL + r % PANEL, p.index(r, k));
            }
            weights = panels(rows) * PANEL * s;
        }
        assertEquals(weights, p.weights().length);
        assertEquals(cell == Cell.GRU ? 4 * hid : cell.gates * hid, p.bias().length);
        assertThrows(IndexOutOfBoundsException.class, () -> p.index(cell.gates * hid, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> p.index(0, s));
        assertThrows(IndexOutOfBoundsException.class, () -> p.index(-1, 0));
    }

    @Property(tries = 20)
    void zerosLikeHasTheSameShapeAndNoValues(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                             @ForAll(supplier = Gen.Positive.class) int hid, @ForAll long seed) {
        PackedGates p = GateModel.random(new Data(seed), cell, in, hid, hid, true).pack();
        PackedGates z = p.zerosLike();
        assertEquals(p.cell(), z.cell());
        assertEquals(p.inputSize(), z.inputSize());
        assertEquals(p.recurrentSize(), z.recurrentSize());
        assertEquals(p.hiddenSize(), z.hiddenSize());
        assertArrayEquals(new float[p.weights().length], z.weights());
        assertArrayEquals(new float[p.bias().length], z.bias());
    }

    private static int panels(int rows) {
        return (rows + PANEL - 1) / PANEL;
    }
}
