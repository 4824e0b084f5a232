package dev.vecrnn.gradcheck;

import java.util.List;

/** The options the suites use and the one assertion they make. */
final class Checks {
    /** Elements checked per input: enough to meet every gate and direction, few enough to stay fast. */
    static final int SAMPLE = 24;

    private Checks() {
    }

    /** The checker's defaults, sampling at most {@link #SAMPLE} elements per input from the data seed. */
    static GradCheck.Options options(Data d) {
        return GradCheck.Options.defaults().sample(SAMPLE, d.seed);
    }

    /** Checks and fails with the seed and the case first in the message. */
    static GradCheck.Report assertGradients(Data d, String what, GradCheck.LossFunction f, List<GradCheck.Input> inputs) {
        return assertGradients(d, what, f, inputs, options(d));
    }

    static GradCheck.Report assertGradients(Data d, String what, GradCheck.LossFunction f, List<GradCheck.Input> inputs,
                                            GradCheck.Options opts) {
        return GradCheck.check(f, inputs, opts).assertPassed(d + ", " + what);
    }
}
