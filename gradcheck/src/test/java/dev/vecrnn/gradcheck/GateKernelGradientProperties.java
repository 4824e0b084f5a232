package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;

/**
 * gatesBackwardData and gatesBackwardWeights as the gradient of the packed gate product: for
 * {@code G = gates(p, x, h)} (or gatesInput then gatesRecurrent, as sequences run it) and
 * {@code L = sum(G * R)}, the data kernel gives {@code dL/dx} and {@code dL/dh}, the weight kernel
 * {@code dL/dW} (packed, panel padding included: it must get none) and {@code dL/dbias}, for RNN, LSTM
 * and GRU packings (GRU: {@code [r, z, n_x, n_h]}), recurrent sizes other than H (projection) and
 * batches with row strides. Both backward kernels accumulate: with {@code accumulate} the gradients
 * start at {@code G0}, the gradient of an extra term {@code sum(values * G0)}.
 */
class GateKernelGradientProperties {

    @Provide
    Arbitrary<String> impls() {
        return KernelImpls.names();
    }

    @Property(tries = 100)
    void backwardKernelsAreTheGradientOfGates(@ForAll("impls") String impl, @ForAll PackedGates.Cell cell,
                                              @ForAll @IntRange(max = 7) int in, @ForAll @IntRange(max = 6) int rec,
                                              @ForAll @IntRange(min = 1, max = 17) int hid, @ForAll @IntRange(min = 1, max = 5) int batch,
                                              @ForAll @IntRange(max = 2) int pad, @ForAll boolean split, @ForAll boolean accumulate,
                                              @ForAll long seed) {
        Kernels kn = KernelImpls.byName(impl);
        Data d = new Data(seed);
        int rows = cell.gates * hid;
        PackedGates p = PackedGates.pack(cell, in, rec, hid, d.signed(rows * in, 1), d.signed(rows * rec, 1),
                d.signed(rows, 1), d.signed(rows, 1));
        int out = p.outputSize();
        int ldx = in + pad, ldh = rec + pad, ldo = out + pad;
        float[] x = d.signed(batch * ldx, 1);
        float[] h = d.signed(batch * ldh, 1);
        float[] r = d.signed(batch * ldo, 1);
        float[] g = new float[batch * ldo];
        float[] w = p.weights();
        float[] bias = p.bias();
        float[] gx0 = accumulate ? d.signed(x.length, 1) : new float[x.length];
        float[] gh0 = accumulate ? d.signed(h.length, 1) : new float[h.length];
        float[] gw0 = accumulate ? d.signed(w.length, 1) : new float[w.length];
        float[] gb0 = accumulate ? d.signed(bias.length, 1) : new float[bias.length];
        GradCheck.LossFunction loss = () -> {
            if (split) {
                kn.gatesInput(p, batch, x, 0, ldx, g, 0, ldo);
                kn.gatesRecurrent(p, batch, h, 0, ldh, g, 0, ldo);
            } else {
                kn.gates(p, batch, x, 0, ldx, h, 0, ldh, g, 0, ldo);
            }
            double s = 0;
            for (int b = 0; b < batch; b++) for (int j = 0; j < out; j++) s += (double) g[b * ldo + j] * r[b * ldo + j];
            return s + Data.dot(x, gx0) + Data.dot(h, gh0) + Data.dot(w, gw0) + Data.dot(bias, gb0);
        };
        float[] dx = gx0.clone();
        float[] dh = gh0.clone();
        PackedGates grad = p.zerosLike();
        System.arraycopy(gw0, 0, grad.weights(), 0, gw0.length);
        System.arraycopy(gb0, 0, grad.bias(), 0, gb0.length);
        kn.gatesBackwardData(p, batch, r, 0, ldo, dx, 0, ldx, dh, 0, ldh);
        kn.gatesBackwardWeights(p, batch, r, 0, ldo, x, 0, ldx, h, 0, ldh, grad);
        Checks.assertGradients(d, impl + " " + cell + " I=" + in + " Hr=" + rec + " H=" + hid + " batch=" + batch + " pad=" + pad
                        + " split=" + split + " accumulate=" + accumulate, loss,
                List.of(GradCheck.Input.of("x", x, dx), GradCheck.Input.of("h", h, dh),
                        GradCheck.Input.of("packed weights", w, grad.weights()), GradCheck.Input.of("packed bias", bias, grad.bias())),
                GradCheck.Options.defaults().sample(64, seed));
    }
}
