package dev.vecrnn.kernels;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import dev.vecrnn.kernels.PackedGates.Cell;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The packed gate products against the same products computed in double from PyTorch's unpacked
 * arrays ({@link GateModel}). Tolerance: a sum of n products and biases within min(n 2^-24, 1e-5) of
 * the sum of their absolute values (the packed bias is one of the n terms per PyTorch bias).
 */
class GatesTest {

    /** A cell shape with, half of the time, a recurrent size other than H (LSTM proj_size, or any cell). */
    private record Shape(Cell cell, int in, int rec, int hid) {
        static Shape of(Data d, Cell cell, int in, int hid, boolean projected) {
            return new Shape(cell, in, projected ? d.random.nextInt(hid + 40) : hid, hid);
        }

        GateModel model(Data d, boolean biases) {
            return GateModel.random(d, cell, in, rec, hid, biases);
        }

        @Override
        public String toString() {
            return cell + "(I=" + in + ", Hr=" + rec + ", H=" + hid + ")";
        }
    }

    @Property(tries = 60)
    void gatesForward(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in, @ForAll(supplier = Gen.Positive.class) int hid,
                      @ForAll boolean projected, @ForAll boolean biases, @ForAll(supplier = Gen.Batch.class) int batch,
                      @ForAll long seed) {
        Data d = new Data(seed);
        Shape s = Shape.of(d, cell, in, hid, projected);
        GateModel m = s.model(d, biases);
        PackedGates p = m.pack();
        int xo = d.offset(), ldx = d.stride(s.in), ho = d.offset(), ldh = d.stride(s.rec), oo = d.offset(), ldo = d.stride(m.outputs());
        float[] x = d.matrix(xo, batch, s.in, ldx), h = d.matrix(ho, batch, s.rec, ldh), out = d.matrix(oo, batch, m.outputs(), ldo);
        Fp[] ref = m.gates(batch, x, xo, ldx, h, ho, ldh, true, null, 0, 0);
        String what = "gates " + s + " batch=" + batch + " biases=" + biases;
        new Check(what).matrix("out", oo, batch, m.outputs(), ldo, ref).readOnly(x, h, p.weights(), p.bias()).on(k -> {
            float[] o = out.clone();
            k.gates(p, batch, x, xo, ldx, h, ho, ldh, o, oo, ldo);
            return Map.of("out", o);
        });
        // The same through the two halves a sequence uses: all inputs and biases first, then the recurrent part.
        new Check(what + " as gatesInput + gatesRecurrent").matrix("out", oo, batch, m.outputs(), ldo, ref).readOnly(x, h).on(k -> {
            float[] o = out.clone();
            k.gatesInput(p, batch, x, xo, ldx, o, oo, ldo);
            k.gatesRecurrent(p, batch, h, ho, ldh, o, oo, ldo);
            return Map.of("out", o);
        });
    }

    // A streaming product (batch below 4) walks the weights first to last on one call and back on the next
    // (PanamaForward.Sweep); two calls in a row cover both directions and must agree bit for bit.
    @Property(tries = 60)
    void streamingProductsAgreeBitForBitInBothDirections(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                                        @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected,
                                                        @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll long seed) {
        Data d = new Data(seed);
        Shape s = Shape.of(d, cell, in, hid, projected);
        GateModel m = s.model(d, true);
        PackedGates p = m.pack();
        int xo = d.offset(), ldx = d.stride(s.in), ho = d.offset(), ldh = d.stride(s.rec), oo = d.offset(), ldo = d.stride(m.outputs());
        float[] x = d.matrix(xo, batch, s.in, ldx), h = d.matrix(ho, batch, s.rec, ldh), out = d.matrix(oo, batch, m.outputs(), ldo);
        for (Kernels k : Impls.all()) {
            float[] first = out.clone(), second = out.clone();
            k.gates(p, batch, x, xo, ldx, h, ho, ldh, first, oo, ldo);
            k.gates(p, batch, x, xo, ldx, h, ho, ldh, second, oo, ldo);
            if (!Arrays.equals(first, second)) {
                throw new AssertionError(k.name() + " gates " + s + " batch=" + batch + ": two calls differ at "
                        + Arrays.mismatch(first, second));
            }
            float[] r1 = out.clone(), r2 = out.clone();
            k.gatesRecurrent(p, batch, h, ho, ldh, r1, oo, ldo);
            k.gatesRecurrent(p, batch, h, ho, ldh, r2, oo, ldo);
            if (!Arrays.equals(r1, r2)) {
                throw new AssertionError(k.name() + " gatesRecurrent " + s + " batch=" + batch + ": two calls differ at "
                        + Arrays.mismatch(r1, r2));
            }
        }
    }

    // gatesInput over many rows (T * B of a sequence); gatesRecurrent adds onto whatever out holds.
    @Property(tries = 60)
    void gatesInputAndRecurrentAlone(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                                     @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected,
                                     @ForAll boolean biases, @ForAll(supplier = Gen.Batch.class) int batch, @ForAll long seed) {
        Data d = new Data(seed);
        Shape s = Shape.of(d, cell, in, hid, projected);
        GateModel m = s.model(d, biases);
        PackedGates p = m.pack();
        int rows = batch * (1 + d.random.nextInt(4));
        int xo = d.offset(), ldx = d.stride(s.in), oo = d.offset(), ldo = d.stride(m.outputs());
        float[] x = d.matrix(xo, rows, s.in, ldx), out = d.matrix(oo, rows, m.outputs(), ldo);
        new Check("gatesInput " + s + " rows=" + rows).matrix("out", oo, rows, m.outputs(), ldo,
                m.gates(rows, x, xo, ldx, null, 0, 0, true, null, 0, 0)).readOnly(x).on(k -> {
                    float[] o = out.clone();
                    k.gatesInput(p, rows, x, xo, ldx, o, oo, ldo);
                    return Map.of("out", o);
                });
        int ho = d.offset(), ldh = d.stride(s.rec);
        float[] h = d.matrix(ho, batch, s.rec, ldh), acc = d.matrix(oo, batch, m.outputs(), ldo);
        new Check("gatesRecurrent " + s + " batch=" + batch).matrix("out", oo, batch, m.outputs(), ldo,
                m.gates(batch, null, 0, 0, h, ho, ldh, false, acc, oo, ldo)).readOnly(h).on(k -> {
                    float[] o = acc.clone();
                    k.gatesRecurrent(p, batch, h, ho, ldh, o, oo, ldo);
                    return Map.of("out", o);
                });
    }

    // dx += dG W_ih, dh += dG W_hh; GRU n rows: dn_x to the input side, dn_h to the recurrent side.
    @Property(tries = 60)
    void gatesBackwardData(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                           @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected,
                           @ForAll(supplier = Gen.Batch.class) int batch, @ForAll long seed) {
        Data d = new Data(seed);
        Shape s = Shape.of(d, cell, in, hid, projected);
        GateModel m = s.model(d, true);
        PackedGates p = m.pack();
        int go = d.offset(), ldg = d.stride(m.outputs()), xo = d.offset(), ldx = d.stride(s.in), ho = d.offset(), ldh = d.stride(s.rec);
        float[] dG = d.matrix(go, batch, m.outputs(), ldg), dx = d.matrix(xo, batch, s.in, ldx), dh = d.matrix(ho, batch, s.rec, ldh);
        Fp[] refX = m.backwardData(true, batch, dG, go, ldg, dx, xo, ldx);
        Fp[] refH = m.backwardData(false, batch, dG, go, ldg, dh, ho, ldh);
        TransposedGates t = TransposedGates.of(p);
        // on the packing itself, and on the transposed copy the training backward pass uses
        Map<String, BackwardData> ways = Map.of(
                "", (k, ddx, ddh) -> k.gatesBackwardData(p, batch, dG, go, ldg, ddx, xo, ldx, ddh, ho, ldh),
                " transposed", (k, ddx, ddh) -> k.gatesBackwardData(t, batch, dG, go, ldg, ddx, xo, ldx, ddh, ho, ldh));
        for (Map.Entry<String, BackwardData> way : ways.entrySet()) {
            String what = "gatesBackwardData" + way.getKey() + " " + s + " batch=" + batch;
            BackwardData call = way.getValue();
            new Check(what).matrix("dx", xo, batch, s.in, ldx, refX).matrix("dh", ho, batch, s.rec, ldh, refH)
                    .readOnly(dG, p.weights()).on(k -> {
                        float[] ddx = dx.clone(), ddh = dh.clone();
                        call.run(k, ddx, ddh);
                        return Map.of("dx", ddx, "dh", ddh);
                    });
            new Check(what + " dh null").matrix("dx", xo, batch, s.in, ldx, refX).on(k -> {
                float[] ddx = dx.clone();
                call.run(k, ddx, null);
                return Map.of("dx", ddx);
            });
            new Check(what + " dx null").matrix("dh", ho, batch, s.rec, ldh, refH).on(k -> {
                float[] ddh = dh.clone();
                call.run(k, null, ddh);
                return Map.of("dh", ddh);
            });
        }
    }

    private interface BackwardData {
        void run(Kernels k, float[] dx, float[] dh);
    }

    // A transposed copy follows its source's weights only when refreshed.
    @Property(tries = 20)
    void transposedCopyFollowsItsSourceOnRefresh(@ForAll Cell cell, @ForAll(supplier = Gen.Positive.class) int in,
                                                 @ForAll(supplier = Gen.Positive.class) int hid, @ForAll long seed) {
        Data d = new Data(seed);
        GateModel m = GateModel.random(d, cell, in, hid, hid, true);
        PackedGates p = m.pack();
        TransposedGates t = TransposedGates.of(p);
        float[] dG = d.matrix(0, 1, m.outputs(), m.outputs());
        float[] before = new float[in], after = new float[in];
        Kernels k = Impls.all().get(Impls.all().size() - 1);
        k.gatesBackwardData(t, 1, dG, 0, m.outputs(), before, 0, in, null, 0, 0);
        java.util.Arrays.fill(p.weights(), 0f);
        t.refresh();
        k.gatesBackwardData(t, 1, dG, 0, m.outputs(), after, 0, in, null, 0, 0);
        if (!Arrays.equals(after, new float[in])) throw new AssertionError("refresh did not copy the zeroed weights: " + Arrays.toString(after));
        if (Arrays.equals(before, after)) throw new AssertionError("the product did not depend on the weights at all");
    }

    /**
     * grad.W += dG^T [x; h] and grad.bias += sum_b dG, onto a gradient that already holds values, twice
     * (the second call must add again); unpacked to PyTorch's layout for the comparison. The padding of
     * the packed gradient stays zero, so that a norm over the flat buffer sees only real gradients.
     */
    @Property(tries = 60)
    void gatesBackwardWeights(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in,
                              @ForAll(supplier = Gen.Positive.class) int hid, @ForAll boolean projected,
                              @ForAll(supplier = Gen.Batch.class) int batch, @ForAll boolean twice,
                              @ForAll NullInput nullInput, @ForAll long seed) {
        checkBackwardWeights(cell, in, hid, projected, batch, twice, nullInput, seed);
    }

    // Batches past PanamaBackward's 128-row blocks (all steps of a sequence arrive as one batch), small shapes.
    @Property(tries = 15)
    void gatesBackwardWeightsOverManyRows(@ForAll Cell cell, @ForAll @IntRange(max = 40) int in,
                                          @ForAll @IntRange(min = 1, max = 40) int hid, @ForAll boolean projected,
                                          @ForAll @IntRange(min = 120, max = 300) int batch, @ForAll NullInput nullInput,
                                          @ForAll long seed) {
        checkBackwardWeights(cell, in, hid, projected, batch, false, nullInput, seed);
    }

    private static void checkBackwardWeights(Cell cell, int in, int hid, boolean projected, int batch, boolean twice,
                                             NullInput nullInput, long seed) {
        Data d = new Data(seed);
        Shape s = Shape.of(d, cell, in, hid, projected);
        GateModel m = s.model(d, true);
        PackedGates p = m.pack();
        int go = d.offset(), ldg = d.stride(m.outputs()), xo = d.offset(), ldx = d.stride(s.in), ho = d.offset(), ldh = d.stride(s.rec);
        float[] dG = d.matrix(go, batch, m.outputs(), ldg);
        float[] x = nullInput == NullInput.X ? null : d.matrix(xo, batch, s.in, ldx);
        float[] h = nullInput == NullInput.H ? null : d.matrix(ho, batch, s.rec, ldh);
        float[] oldIh = d.plain(m.rows() * s.in), oldHh = d.plain(m.rows() * s.rec), oldBias = d.plain(m.outputs());
        int times = twice ? 2 : 1;
        Fp[] padding = new Fp[paddingCount(p)];
        Arrays.fill(padding, Fp.ZERO);
        new Check("gatesBackwardWeights " + s + " batch=" + batch + " calls=" + times + " null=" + nullInput)
                .whole("dWih", m.backwardWeights(true, batch, dG, go, ldg, x, xo, ldx, oldIh, times))
                .whole("dWhh", m.backwardWeights(false, batch, dG, go, ldg, h, ho, ldh, oldHh, times))
                .whole("dBias", m.backwardBias(batch, dG, go, ldg, oldBias, times))
                .whole("padding", padding)
                .readOnly(dG, x, h, p.weights(), p.bias())
                .on(k -> {
                    PackedGates grad = PackedGates.pack(s.cell, s.in, s.rec, s.hid, oldIh, oldHh, null, null);
                    System.arraycopy(oldBias, 0, grad.bias(), 0, oldBias.length);
                    for (int t = 0; t < times; t++) k.gatesBackwardWeights(p, batch, dG, go, ldg, x, xo, ldx, h, ho, ldh, grad);
                    float[] gih = new float[m.rows() * s.in], ghh = new float[m.rows() * s.rec];
                    grad.unpackWeights(gih, ghh);
                    Map<String, float[]> r = new HashMap<>();
                    r.put("dWih", gih);
                    r.put("dWhh", ghh);
                    r.put("dBias", grad.bias());
                    r.put("padding", paddingOf(grad));
                    return r;
                });
    }

    enum NullInput { NONE, X, H }

    /** The cells of the packed weights that hold no logical weight (panel rows past the block). */
    private static float[] paddingOf(PackedGates p) {
        boolean[] logical = logical(p);
        float[] r = new float[paddingCount(p)];
        for (int i = 0, j = 0; i < logical.length; i++) if (!logical[i]) r[j++] = p.weights()[i];
        return r;
    }

    private static int paddingCount(PackedGates p) {
        int n = 0;
        for (boolean b : logical(p)) if (!b) n++;
        return n;
    }

    private static boolean[] logical(PackedGates p) {
        boolean[] logical = new boolean[p.weights().length];
        for (int r = 0; r < p.gates() * p.hiddenSize(); r++) {
            for (int k = 0; k < p.inputSize() + p.recurrentSize(); k++) logical[p.index(r, k)] = true;
        }
        return logical;
    }
}
