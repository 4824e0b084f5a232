package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.Arrays;
import java.util.List;

/**
 * softmaxBackward and logSoftmaxBackward as the gradients of softmax and log-softmax under
 * {@code L = sum(y * R)}, with logits spread wide enough that the max shift and small probabilities
 * both matter, and an optional large common offset (the shift must cancel in the gradient).
 */
class SoftmaxGradientProperties {

    @Provide
    Arbitrary<String> impls() {
        return KernelImpls.names();
    }

    @Property(tries = 100)
    void backwardIsTheGradientOfForward(@ForAll("impls") String impl, @ForAll boolean log, @ForAll @IntRange(min = 1, max = 40) int n,
                                        @ForAll boolean offset, @ForAll long seed) {
        Kernels kn = KernelImpls.byName(impl);
        Data d = new Data(seed);
        float[] x = d.signed(n, 5);
        if (offset) for (int i = 0; i < n; i++) x[i] += 20f;
        float[] r = d.signed(n, 1);
        float[] y = new float[n];
        GradCheck.LossFunction loss = () -> {
            if (log) kn.logSoftmax(n, x, 0, y, 0); else kn.softmax(n, x, 0, y, 0);
            return Data.dot(y, r);
        };
        loss.loss();
        float[] dx = new float[n];
        if (log) kn.logSoftmaxBackward(n, y, 0, r, 0, dx, 0); else kn.softmaxBackward(n, y, 0, r, 0, dx, 0);
        Checks.assertGradients(d, impl + (log ? " logSoftmax" : " softmax") + " n=" + n + " offset=" + offset, loss,
                List.of(GradCheck.Input.of("x", x, dx)), GradCheck.Options.defaults().sample(40, seed));
    }

    /**
     * logSoftmaxBackward with y, dy and dx at offsets inside longer arrays and, in place, dx the same array
     * and offset as dy (a path of its own in the Vector API kernel): the gradient still, and nothing outside
     * dx's n entries written.
     */
    @Property(tries = 60, seed = "20261206")
    void logSoftmaxBackwardInPlaceAndAtOffsetsIsTheGradient(@ForAll("impls") String impl, @ForAll boolean inPlace,
                                                           @ForAll @IntRange(min = 1, max = 40) int n,
                                                           @ForAll @IntRange(min = 0, max = 9) int offset, @ForAll long seed) {
        Kernels kn = KernelImpls.byName(impl);
        Data d = new Data(seed);
        float[] x = d.signed(n, 5);
        float[] r = d.signed(n, 1);
        float[] y = new float[n];
        GradCheck.LossFunction loss = () -> {
            kn.logSoftmax(n, x, 0, y, 0);
            return Data.dot(y, r);
        };
        loss.loss();
        int yOff = offset, dyOff = 2 * offset + 1, dxOff = inPlace ? dyOff : offset + 3;
        float[] ys = d.signed(n + yOff + 5, 1), dys = d.signed(n + dyOff + 5, 1);
        System.arraycopy(y, 0, ys, yOff, n);
        System.arraycopy(r, 0, dys, dyOff, n);
        float[] dxs = inPlace ? dys : d.signed(n + dxOff + 5, 1);
        float[] before = dxs.clone();
        kn.logSoftmaxBackward(n, ys, yOff, dys, dyOff, dxs, dxOff);
        String what = impl + " logSoftmaxBackward n=" + n + (inPlace ? " in place" : "") + " offsets " + yOff + ", " + dyOff + ", " + dxOff;
        for (int i = 0; i < dxs.length; i++) {
            if ((i < dxOff || i >= dxOff + n) && Float.floatToIntBits(dxs[i]) != Float.floatToIntBits(before[i])) {
                throw new AssertionError(d + ", " + what + ": wrote index " + i + " outside dx");
            }
        }
        float[] dx = Arrays.copyOfRange(dxs, dxOff, dxOff + n);
        Checks.assertGradients(d, what, loss, List.of(GradCheck.Input.of("x", x, dx)), GradCheck.Options.defaults().sample(40, seed));
    }
}
