package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static dev.vecrnn.nn.train.Close.assertClose;

/**
 * Each optimizer's trajectory over 12 steps, on params of odd sizes (tails of every vector width), against
 * {@link OptimizerReference} in double fed the same float gradients; the learning rate is halved after
 * step 6 to check that {@link Optimizer#setLearningRate} takes effect. The float kernels may drift from
 * the double trajectory by rounding only: every element within 1e-6 relative + 1e-6 absolute (params are
 * of order 1).
 */
class OptimizerTrajectoryTest {
    static final int STEPS = 12;
    static final double RTOL = 1e-6;
    static final double ATOL = 1e-6;

    record Case(String name, Function<List<Param>, Optimizer> make, Function<Integer, OptimizerReference> ref) {
    }

    static void run(Case c, int[] sizes, long seed) {
        Random rnd = new Random(seed);
        List<Param> params = new ArrayList<>();
        double[][] x = new double[sizes.length][];
        for (int p = 0; p < sizes.length; p++) {
            float[] data = Close.uniform(rnd, sizes[p], -1, 1);
            params.add(new Param("p" + p, data));
            x[p] = Close.toDouble(data);
        }
        Optimizer opt = c.make.apply(params);
        OptimizerReference ref = c.ref.apply(sizes.length);
        double lr = opt.learningRate();
        for (int t = 1; t <= STEPS; t++) {
            if (t == 7) {
                lr /= 2;
                opt.setLearningRate(lr);
            }
            opt.zeroGrad();
            for (int p = 0; p < sizes.length; p++) {
                float[] g = params.get(p).grad();
                for (int i = 0; i < g.length; i++) g[i] += (float) (rnd.nextInt(8) == 0 ? 0 : 2 * rnd.nextDouble() - 1);
                ref.step(p, x[p], Close.toDouble(g), t, lr);
            }
            opt.step();
            for (int p = 0; p < sizes.length; p++) {
                assertClose(c.name + " param " + p + " after step " + t, x[p], params.get(p).data(), RTOL, ATOL);
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(STEPS, opt.stepCount());
    }

    static List<Case> cases() {
        return List.of(
                new Case("sgd", ps -> new Sgd(ps, 0.1), n -> OptimizerReference.sgd(n, 0, 0, 0, false)),
                new Case("sgd wd", ps -> new Sgd(ps, 0.1, 0, 0, 0.05, false), n -> OptimizerReference.sgd(n, 0, 0, 0.05, false)),
                new Case("sgd momentum", ps -> new Sgd(ps, 0.05, 0.9), n -> OptimizerReference.sgd(n, 0.9, 0, 0, false)),
                new Case("sgd momentum dampening wd", ps -> new Sgd(ps, 0.05, 0.8, 0.3, 0.01, false),
                        n -> OptimizerReference.sgd(n, 0.8, 0.3, 0.01, false)),
                new Case("sgd nesterov wd", ps -> new Sgd(ps, 0.05, 0.9, 0, 0.02, true),
                        n -> OptimizerReference.sgd(n, 0.9, 0, 0.02, true)),
                new Case("adam defaults", Adam::new, n -> OptimizerReference.adam(n, 0.9, 0.999, 1e-8, 0)),
                new Case("adam lr wd", ps -> new Adam(ps, 0.01, 0.8, 0.99, 1e-6, 0.1),
                        n -> OptimizerReference.adam(n, 0.8, 0.99, 1e-6, 0.1)),
                new Case("adamw defaults", AdamW::new, n -> OptimizerReference.adamW(n, 0.9, 0.999, 1e-8, 1e-2)),
                new Case("adamw strong decay", ps -> new AdamW(ps, 0.01, 0.85, 0.95, 1e-8, 0.5),
                        n -> OptimizerReference.adamW(n, 0.85, 0.95, 1e-8, 0.5)),
                new Case("rmsprop defaults", RmsProp::new, n -> OptimizerReference.rmsProp(n, 0.99, 1e-8, 0, 0)),
                new Case("rmsprop momentum wd", ps -> new RmsProp(ps, 0.005, 0.9, 1e-6, 0.05, 0.7),
                        n -> OptimizerReference.rmsProp(n, 0.9, 1e-6, 0.05, 0.7)));
    }

    @Example
    void everyOptimizerFollowsPyTorchsAlgorithm() {
        for (Case c : cases()) run(c, new int[] {7, 1, 33}, 42);
    }

    @Property(tries = 30)
    void generatedSizesAndSeeds(@ForAll @IntRange(min = 0, max = 10) int which, @ForAll @IntRange(min = 1, max = 70) int a,
                                @ForAll @IntRange(min = 0, max = 70) int b, @ForAll long seed) {
        run(cases().get(which), new int[] {a, b}, seed);
    }
}
