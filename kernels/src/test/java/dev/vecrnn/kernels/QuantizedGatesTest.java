package dev.vecrnn.kernels;

import java.util.Arrays;
import java.util.Map;

import dev.vecrnn.kernels.PackedGates.Cell;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * int8 and bf16 gate weights: the quantization itself against independent formulations (the nearest
 * representable value, searched for in double), the products against the same products computed in double
 * from the dequantized weights ({@link GateModel}), the scalar and Vector API kernels bit for bit against
 * each other, every row the same whatever batch it is computed in, and the file layout round trip.
 */
class QuantizedGatesTest {

    private record Case(GateModel model, PackedGates packed) {
        static Case of(Data d, Cell cell, int in, int hid, boolean projected, boolean biases) {
            int rec = projected ? d.random.nextInt(hid + 40) : hid;
            GateModel m = GateModel.random(d, cell, in, rec, hid, biases);
            return new Case(m, m.pack());
        }

        /** The model whose weights are the dequantized ones of q, biases unchanged: the double reference's input. */
        GateModel dequantized(QuantizedGates q) {
            GateModel m = model;
            float[] wih = new float[m.wih().length], whh = new float[m.whh().length];
            q.dequantized().unpackWeights(wih, whh);
            return new GateModel(m.cell(), m.in(), m.rec(), m.hid(), wih, whh, m.bih(), m.bhh());
        }

        @Override
        public String toString() {
            return model.cell() + "(I=" + model.in() + ", Hr=" + model.rec() + ", H=" + model.hid() + ")";
        }
    }

    @Property(tries = 60)
    void productsMatchTheDequantizedWeightsInDouble(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                                   @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected,
                                                   @ForAll boolean biases, @ForAll(supplier = Gen.Batch.class) int batch,
                                                   @ForAll Precision precision, @ForAll long seed) {
        if (precision == Precision.FP32) return;
        Data d = new Data(seed);
        Case c = Case.of(d, cell, in, hid, projected, biases);
        QuantizedGates q = QuantizedGates.quantize(c.packed, precision);
        GateModel m = c.dequantized(q);
        int xo = d.offset(), ldx = d.stride(m.in()), ho = d.offset(), ldh = d.stride(m.rec()), oo = d.offset(), ldo = d.stride(m.outputs());
        float[] x = d.matrix(xo, batch, m.in(), ldx), h = d.matrix(ho, batch, m.rec(), ldh), out = d.matrix(oo, batch, m.outputs(), ldo);
        // bf16 weights are floats, exactly the dequantized ones; int8 ones stand for q * scale, which a float
        // may not hold, and the kernels compute scale * sum(q x): the reference does the same in double.
        Fp[] ref = precision == Precision.BF16 ? m.gates(batch, x, xo, ldx, h, ho, ldh, true, null, 0, 0)
                : int8Reference(c.model, q, batch, x, xo, ldx, h, ho, ldh);
        String what = precision + " gates " + c + " batch=" + batch + " biases=" + biases;
        new Check(what).matrix("out", oo, batch, m.outputs(), ldo, ref).readOnly(x, h).on(k -> {
            float[] o = out.clone();
            k.gates(q, batch, x, xo, ldx, h, ho, ldh, o, oo, ldo);
            return Map.of("out", o);
        });
        new Check(what + " as gatesInput + gatesRecurrent").matrix("out", oo, batch, m.outputs(), ldo, ref).readOnly(x, h).on(k -> {
            float[] o = out.clone();
            k.gatesInput(q, batch, x, xo, ldx, o, oo, ldo);
            k.gatesRecurrent(q, batch, h, ho, ldh, o, oo, ldo);
            return Map.of("out", o);
        });
    }

    /**
     * out[b, j] = biases + scaleIh[row] sum_k q_ih[row, k] x[k] + scaleHh[row] sum_k q_hh[row, k] h[k], each part
     * where entry j uses it, in double; each part's sum has its column terms plus the scaling's rounding.
     */
    private static Fp[] int8Reference(GateModel m, QuantizedGates q, int batch, float[] x, int xOff, int ldx,
                                      float[] h, int hOff, int ldh) {
        int rows = m.rows();
        byte[] qih = new byte[rows * m.in()], qhh = new byte[rows * m.rec()];
        float[] sih = new float[rows], shh = new float[rows];
        q.unpackInt8(qih, sih, qhh, shh);
        Fp[] r = new Fp[batch * m.outputs()];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < m.outputs(); j++) {
                int row = m.row(j), terms = 0;
                double s = 0, abs = 0;
                if (m.usesInput(j)) {
                    if (m.bih() != null) {
                        s += m.bih()[row];
                        abs += Math.abs(m.bih()[row]);
                        terms++;
                    }
                    for (int k = 0; k < m.in(); k++) {
                        double t = (double) sih[row] * qih[row * m.in() + k] * x[xOff + b * ldx + k];
                        s += t;
                        abs += Math.abs(t);
                    }
                    terms += m.in() + 1;
                }
                if (m.usesRecurrent(j)) {
                    if (m.bhh() != null) {
                        s += m.bhh()[row];
                        abs += Math.abs(m.bhh()[row]);
                        terms++;
                    }
                    for (int k = 0; k < m.rec(); k++) {
                        double t = (double) shh[row] * qhh[row * m.rec() + k] * h[hOff + b * ldh + k];
                        s += t;
                        abs += Math.abs(t);
                    }
                    terms += m.rec() + 1;
                }
                r[b * m.outputs() + j] = Fp.sum(s, abs, terms, 0);
            }
        }
        return r;
    }

    // Each lane of the Vector API kernels makes the scalar kernel's roundings in the scalar kernel's order
    // (fma over the columns in order, then one fma with the scale, or one add), so the two agree bit for bit;
    // and a row computed in a batch (the 4-row tiles) equals the row computed alone (the streaming tile).
    @Property(tries = 60)
    void everyRowHasTheSameBitsWhateverComputesIt(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                                 @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected,
                                                 @ForAll(supplier = Gen.Batch.class) int batch, @ForAll Precision precision,
                                                 @ForAll long seed) {
        if (precision == Precision.FP32) return;
        Data d = new Data(seed);
        Case c = Case.of(d, cell, in, hid, projected, true);
        QuantizedGates q = QuantizedGates.quantize(c.packed, precision);
        GateModel m = c.model;
        int o = m.outputs();
        float[] x = d.plain(batch * m.in()), h = d.plain(batch * m.rec());
        float[] reference = null;
        String refName = null;
        for (Kernels k : Impls.all()) {
            float[] all = new float[batch * o];
            k.gates(q, batch, x, 0, m.in(), h, 0, m.rec(), all, 0, o);
            for (int b = 0; b < batch; b++) {
                float[] one = new float[o];
                k.gates(q, 1, x, b * m.in(), m.in(), h, b * m.rec(), m.rec(), one, 0, o);
                int at = Arrays.mismatch(one, Arrays.copyOfRange(all, b * o, b * o + o));
                if (at >= 0) {
                    fail(k.name() + " " + precision + " " + c + ": row " + b + " of a batch of " + batch + " differs from the row alone at "
                            + at + ": " + all[b * o + at] + " against " + one[at]);
                }
            }
            if (reference == null) {
                reference = all;
                refName = k.name();
            } else if (!Arrays.equals(reference, all)) {
                int at = Arrays.mismatch(reference, all);
                fail(k.name() + " against " + refName + ", " + precision + " " + c + " batch " + batch + ": index " + at + ": "
                        + all[at] + " against " + reference[at]);
            }
        }
    }

    @Property(tries = 40)
    void int8IsTheNearestMultipleOfEachRowPartsScale(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                                     @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected,
                                                     @ForAll long seed) {
        Data d = new Data(seed);
        Case c = Case.of(d, cell, in, hid, projected, true);
        GateModel m = c.model;
        int rows = m.rows();
        QuantizedGates q = QuantizedGates.quantize(c.packed, Precision.INT8);
        byte[] qih = new byte[rows * m.in()], qhh = new byte[rows * m.rec()];
        float[] sih = new float[rows], shh = new float[rows];
        q.unpackInt8(qih, sih, qhh, shh);
        checkInt8Rows("W_ih", m.wih(), qih, sih, rows, m.in());
        checkInt8Rows("W_hh", m.whh(), qhh, shh, rows, m.rec());
    }

    /** Per row: the scale is max |w| / 127, every q in [-127, 127] and the nearest integer to w / scale (within its rounding). */
    private static void checkInt8Rows(String name, float[] w, byte[] q, float[] scale, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            double amax = 0;
            for (int k = 0; k < cols; k++) amax = Math.max(amax, Math.abs(w[r * cols + k]));
            if (cols == 0) continue;
            assertEquals((float) (amax / 127), scale[r], Math.ulp((float) (amax / 127)), name + " row " + r + " scale");
            for (int k = 0; k < cols; k++) {
                int v = q[r * cols + k];
                assertTrue(v >= -127 && v <= 127, name + "[" + r + ", " + k + "] = " + v);
                if (scale[r] == 0f) {
                    assertEquals(0, v);
                    continue;
                }
                double exact = w[r * cols + k] / (double) scale[r];
                // The nearest integer; a value within a hair of a half may go either way.
                assertTrue(Math.abs(exact - v) <= 0.5 + 1e-6, name + "[" + r + ", " + k + "]: " + w[r * cols + k] + " / " + scale[r] + " = "
                        + exact + " stored as " + v);
            }
        }
    }

    @Property(tries = 40)
    void bf16IsTheNearestEightBitMantissaTiesToEven(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                                    @ForAll(supplier = Gen.Positive.class) int hid, @ForAll long seed) {
        Data d = new Data(seed);
        Case c = Case.of(d, cell, in, hid, false, true);
        GateModel m = c.model;
        QuantizedGates q = QuantizedGates.quantize(c.packed, Precision.BF16);
        short[] wih = new short[m.wih().length], whh = new short[m.whh().length];
        q.unpackBf16(wih, whh);
        for (int i = 0; i < wih.length; i++) assertEquals(nearestBf16(m.wih()[i]), wih[i], "W_ih " + i + " of " + m.wih()[i]);
        for (int i = 0; i < whh.length; i++) assertEquals(nearestBf16(m.whh()[i]), whh[i], "W_hh " + i + " of " + m.whh()[i]);
    }

    @Example
    void bf16RoundingAtTheEdges() {
        float[] values = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_NORMAL, 1.00390625f, 1.01171875f, 3.3e38f, -2.5e-39f,
                Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.intBitsToFloat(0x3F80FFFF)};
        for (float v : values) assertEquals(nearestBf16(v), QuantizedGates.toBf16(v, 0, 0), "bf16 of " + v);
        // The largest float rounds up past bf16's largest finite value.
        assertThrows(IllegalArgumentException.class, () -> QuantizedGates.toBf16(Float.MAX_VALUE, 2, 3));
    }

    /** The bf16 word nearest to v, ties to the even word, by comparing the two candidates in double. */
    private static short nearestBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int lo = bits & 0xFFFF0000, hi = lo + 0x10000;
        double dl = Math.abs((double) Float.intBitsToFloat(lo) - v), dh = Math.abs((double) Float.intBitsToFloat(hi) - v);
        int pick = dl < dh ? lo : dh < dl ? hi : ((lo >>> 16) & 1) == 0 ? lo : hi;
        return (short) (pick >>> 16);
    }

    @Property(tries = 30)
    void theFileLayoutRoundTrips(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                 @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected, @ForAll long seed) {
        Data d = new Data(seed);
        Case c = Case.of(d, cell, in, hid, projected, true);
        GateModel m = c.model;
        int rows = m.rows();
        QuantizedGates q8 = QuantizedGates.quantize(c.packed, Precision.INT8);
        byte[] qih = new byte[rows * m.in()], qhh = new byte[rows * m.rec()];
        float[] sih = new float[rows], shh = new float[rows];
        q8.unpackInt8(qih, sih, qhh, shh);
        QuantizedGates back8 = QuantizedGates.ofInt8(cell, m.in(), m.rec(), hid, qih, sih, qhh, shh, m.bih(), m.bhh());
        assertEquals(q8, back8);
        QuantizedGates q16 = QuantizedGates.quantize(c.packed, Precision.BF16);
        short[] wih = new short[rows * m.in()], whh = new short[rows * m.rec()];
        q16.unpackBf16(wih, whh);
        assertEquals(q16, QuantizedGates.ofBf16(cell, m.in(), m.rec(), hid, wih, whh, m.bih(), m.bhh()));
        assertArrayEquals(c.packed.bias(), q16.dequantized().bias());
    }

    @Example
    void badArgumentsAreRefusedAndNamed() {
        Data d = new Data(3);
        GateModel m = GateModel.random(d, Cell.LSTM, 5, 6, 6, true);
        PackedGates p = m.pack();
        assertThrows(IllegalArgumentException.class, () -> QuantizedGates.quantize(p, Precision.FP32));
        assertThrows(IllegalArgumentException.class, () -> QuantizedGates.quantize(null, Precision.INT8));
        p.set(7, 2, Float.NaN);
        var e = assertThrows(IllegalArgumentException.class, () -> QuantizedGates.quantize(p, Precision.INT8));
        assertTrue(e.getMessage().startsWith("W[7, 2]"), e.getMessage());
        byte[] qih = new byte[24 * 5], qhh = new byte[24 * 6];
        float[] sih = new float[24], shh = new float[24];
        shh[3] = -1f;
        e = assertThrows(IllegalArgumentException.class, () -> QuantizedGates.ofInt8(Cell.LSTM, 5, 6, 6, qih, sih, qhh, shh, null, null));
        assertTrue(e.getMessage().startsWith("scaleHh[3]"), e.getMessage());
        shh[3] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> QuantizedGates.ofInt8(Cell.LSTM, 5, 6, 6, qih, sih, qhh, shh, null, null));
        shh[3] = 0f;
        e = assertThrows(IllegalArgumentException.class, () -> QuantizedGates.ofInt8(Cell.LSTM, 5, 6, 6, new byte[7], sih, qhh, shh, null, null));
        assertTrue(e.getMessage().startsWith("weightIh"), e.getMessage());
        short[] wih = new short[24 * 5], whh = new short[24 * 6];
        whh[10] = (short) 0x7FC0;
        e = assertThrows(IllegalArgumentException.class, () -> QuantizedGates.ofBf16(Cell.LSTM, 5, 6, 6, wih, whh, null, null));
        assertTrue(e.getMessage().startsWith("weightHh[10]"), e.getMessage());
        QuantizedGates q = QuantizedGates.ofInt8(Cell.LSTM, 5, 6, 6, qih, sih, qhh, shh, null, null);
        assertThrows(IllegalStateException.class, () -> q.unpackBf16(wih, new short[24 * 6]));
        float[] out = new float[24];
        assertThrows(IllegalArgumentException.class, () -> Kernels.get().gates(q, 1, new float[4], 0, 5, new float[6], 0, 6, out, 0, 24));
    }

    @Example
    void int8TakesAQuarterOfTheBytesAndBf16Half() {
        GateModel m = GateModel.random(new Data(5), Cell.LSTM, 256, 256, 256, true);
        PackedGates p = m.pack();
        long fp32 = 4L * (p.weights().length + p.bias().length);
        long i8 = QuantizedGates.quantize(p, Precision.INT8).bytes(), b16 = QuantizedGates.quantize(p, Precision.BF16).bytes();
        assertTrue(i8 < fp32 / 4 + 4L * 3 * 1024 + 64, i8 + " of " + fp32);
        assertTrue(b16 < fp32 / 2 + 4L * 1024 + 64, b16 + " of " + fp32);
    }
}
