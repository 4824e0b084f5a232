package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

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
}
