package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;

/**
 * tanhBackward, sigmoidBackward and reluBackward as the gradients of the SIMD tanh, sigmoid and relu
 * under {@code L = sum(y * R)}, with {@code dx} written over {@code dy} (in place, as Dense runs them)
 * or apart. Inputs span the saturating range; ReLU inputs stay at least 0.25 from the kink.
 */
class ActivationGradientProperties {
    enum Act { TANH, SIGMOID, RELU }

    @Provide
    Arbitrary<String> impls() {
        return KernelImpls.names();
    }

    @Property(tries = 100)
    void backwardIsTheGradientOfForward(@ForAll("impls") String impl, @ForAll Act act, @ForAll @IntRange(min = 1, max = 70) int n,
                                        @ForAll boolean inPlace, @ForAll long seed) {
        Kernels kn = KernelImpls.byName(impl);
        Data d = new Data(seed);
        float[] x = act == Act.RELU ? d.awayFromZero(n, 0.25, 4) : d.signed(n, 5);
        float[] r = d.signed(n, 1);
        float[] y = new float[n];
        GradCheck.LossFunction loss = () -> {
            switch (act) {
                case TANH -> kn.tanh(n, x, 0, y, 0);
                case SIGMOID -> kn.sigmoid(n, x, 0, y, 0);
                case RELU -> kn.relu(n, x, 0, y, 0);
            }
            return Data.dot(y, r);
        };
        loss.loss();
        float[] dy = r.clone();
        float[] dx = inPlace ? dy : new float[n];
        switch (act) {
            case TANH -> kn.tanhBackward(n, y, 0, dy, 0, dx, 0);
            case SIGMOID -> kn.sigmoidBackward(n, y, 0, dy, 0, dx, 0);
            case RELU -> kn.reluBackward(n, y, 0, dy, 0, dx, 0);
        }
        Checks.assertGradients(d, impl + " " + act + " n=" + n + " inPlace=" + inPlace, loss,
                List.of(GradCheck.Input.of("x", x, dx)), GradCheck.Options.defaults().sample(70, seed));
    }
}
