package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;

/**
 * The fused pointwise cell steps, forward against backward: lstmBackward, gruBackward and rnnBackward
 * give the gradient of {@code L = sum(h * Rh) (+ sum(c * Rc))} with respect to the gate
 * pre-activations and the previous state (a null previous state is zero and gets no gradient). Sizes
 * run past several vector widths so that the Vector API bodies and their scalar tails both count.
 * ReLU pre-activations stay at least 0.25 from the kink, more than the step.
 */
class CellStepGradientProperties {

    @Provide
    Arbitrary<String> impls() {
        return KernelImpls.names();
    }

    // pre [4n] = [i', f', g', o'], cPrev [n] -> c, h
    @Property(tries = 80)
    void lstmBackwardIsTheGradientOfLstmForward(@ForAll("impls") String impl, @ForAll @IntRange(min = 1, max = 40) int n,
                                                @ForAll boolean withPrev, @ForAll long seed) {
        Kernels kn = KernelImpls.byName(impl);
        Data d = new Data(seed);
        float[] pre = d.signed(4 * n, 3);
        float[] cPrev = withPrev ? d.signed(n, 2) : null;
        float[] rh = d.signed(n, 1);
        float[] rc = d.signed(n, 1);
        float[] acts = new float[4 * n];
        float[] c = new float[n];
        float[] h = new float[n];
        GradCheck.LossFunction loss = () -> {
            System.arraycopy(pre, 0, acts, 0, acts.length);
            kn.lstmForward(n, acts, 0, cPrev, 0, c, 0, h, 0);
            return Data.dot(h, rh) + Data.dot(c, rc);
        };
        loss.loss();
        float[] dGates = new float[4 * n];
        float[] dc = rc.clone();
        kn.lstmBackward(n, acts, 0, cPrev, 0, c, 0, rh, 0, dc, 0, dGates, 0);
        List<GradCheck.Input> inputs = new ArrayList<>();
        inputs.add(GradCheck.Input.of("pre-activations", pre, dGates));
        if (withPrev) inputs.add(GradCheck.Input.of("cPrev", cPrev, dc));
        Checks.assertGradients(d, impl + " lstm n=" + n + " withPrev=" + withPrev, loss, inputs,
                GradCheck.Options.defaults().sample(64, seed));
    }

    // pre [4n] = [r', z', n_x, n_h], hPrev [n] -> h
    @Property(tries = 80)
    void gruBackwardIsTheGradientOfGruForward(@ForAll("impls") String impl, @ForAll @IntRange(min = 1, max = 40) int n,
                                              @ForAll boolean withPrev, @ForAll long seed) {
        Kernels kn = KernelImpls.byName(impl);
        Data d = new Data(seed);
        float[] pre = d.signed(4 * n, 3);
        float[] hPrev = withPrev ? d.signed(n, 1) : null;
        float[] rh = d.signed(n, 1);
        float[] acts = new float[4 * n];
        float[] h = new float[n];
        GradCheck.LossFunction loss = () -> {
            System.arraycopy(pre, 0, acts, 0, acts.length);
            kn.gruForward(n, acts, 0, hPrev, 0, h, 0);
            return Data.dot(h, rh);
        };
        loss.loss();
        float[] dGates = new float[4 * n];
        float[] dhPrev = new float[n];
        kn.gruBackward(n, acts, 0, hPrev, 0, rh, 0, dGates, 0, dhPrev, 0);
        List<GradCheck.Input> inputs = new ArrayList<>();
        inputs.add(GradCheck.Input.of("pre-activations", pre, dGates));
        if (withPrev) inputs.add(GradCheck.Input.of("hPrev", hPrev, dhPrev));
        Checks.assertGradients(d, impl + " gru n=" + n + " withPrev=" + withPrev, loss, inputs,
                GradCheck.Options.defaults().sample(64, seed));
    }

    // pre [n] -> h = tanh(pre) or relu(pre)
    @Property(tries = 80)
    void rnnBackwardIsTheGradientOfRnnForward(@ForAll("impls") String impl, @ForAll @IntRange(min = 1, max = 40) int n,
                                              @ForAll boolean relu, @ForAll long seed) {
        Kernels kn = KernelImpls.byName(impl);
        Data d = new Data(seed);
        float[] pre = relu ? d.awayFromZero(n, 0.25, 3) : d.signed(n, 3);
        float[] rh = d.signed(n, 1);
        float[] h = new float[n];
        GradCheck.LossFunction loss = () -> {
            kn.rnnForward(n, relu, pre, 0, h, 0);
            return Data.dot(h, rh);
        };
        loss.loss();
        float[] dPre = new float[n];
        kn.rnnBackward(n, relu, h, 0, rh, 0, dPre, 0);
        Checks.assertGradients(d, impl + " rnn n=" + n + " relu=" + relu, loss,
                List.of(GradCheck.Input.of("pre-activations", pre, dPre)), GradCheck.Options.defaults().sample(64, seed));
    }
}
