package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.train.Sgd;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trace runs backward only on the weights its forward saw, and only on its own model: a trace kept
 * across an optimizer step, a loaded state dict or a re-initialisation, or one of another model, would give
 * gradients of no model (the saved activations of one set of weights times the matrices of another), so
 * it is refused, naming the trace, before any gradient changes; the model then trains on as before.
 */
class StaleTraceTest {

    private static float[] gaussian(int n, long seed) {
        Random rnd = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static List<float[]> grads(List<Param> ps) {
        List<float[]> out = new ArrayList<>();
        for (Param p : ps) out.add(p.grad().clone());
        return out;
    }

    private static void assertSame(List<float[]> want, List<float[]> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) assertArrayEquals(want.get(i), got.get(i), "param " + i);
    }

    private static Model model(long seed) {
        return Model.builder(3).lstm(8).dense(2).seed(seed).build();
    }

    private static final Batch X = new Batch(gaussian(2 * 5 * 3, 1), 2, 5, 3, null, true);
    private static final float[] D_OUT = gaussian(2 * 5 * 2, 2);

    /** The gradients a fresh forward and backward give, after one backward of the trace is refused. */
    private static void assertRefusedThenUsable(Model m, Model.Trace stale, Class<? extends RuntimeException> type) {
        m.zeroGrad();
        Model.Trace partial = m.forward(X, true, new Random(0));
        m.backward(partial, partial.output().withData(D_OUT, 2));
        List<float[]> before = grads(m.params());
        RuntimeException e = assertThrows(type, () -> m.backward(stale, stale.output().withData(D_OUT, 2)));
        assertTrue(e.getMessage().startsWith("trace: "), e.getMessage());
        assertSame(before, grads(m.params()));
        // still usable: a new trace of the same weights gives the same gradients again
        m.zeroGrad();
        Model.Trace fresh = m.forward(X, true, new Random(0));
        m.backward(fresh, fresh.output().withData(D_OUT, 2));
        assertSame(before, grads(m.params()));
    }

    @Test
    void aTraceFromBeforeAnOptimizerStepIsRefused() {
        Model m = model(1);
        Model.Trace tr = m.forward(X, true, new Random(0));
        m.backward(tr, tr.output().withData(D_OUT, 2));
        new Sgd(m.params(), 0.5).step();
        assertRefusedThenUsable(m, tr, IllegalStateException.class);
    }

    @Test
    void aTraceFromBeforeLoadStateDictIsRefused() {
        Model m = model(1);
        Model.Trace tr = m.forward(X, true, new Random(0));
        m.loadStateDict(model(2).stateDict());
        assertRefusedThenUsable(m, tr, IllegalStateException.class);
    }

    @Test
    void aTraceMayServeTwoBackwardsOfTheSameWeights() {
        Model m = model(1);
        Model.Trace tr = m.forward(X, true, new Random(0));
        m.backward(tr, tr.output().withData(D_OUT, 2));
        List<float[]> once = grads(m.params());
        m.backward(tr, tr.output().withData(D_OUT, 2));
        List<float[]> twice = grads(m.params());
        for (int i = 0; i < once.size(); i++) {
            for (int j = 0; j < once.get(i).length; j++) assertEquals(2 * once.get(i)[j], twice.get(i)[j], 1e-5f);
        }
    }

    @Test
    void aTraceOfAnotherModelIsRefused() {
        Model m = model(1);
        Model twin = model(2);
        assertRefusedThenUsable(m, twin.forward(X, true, new Random(0)), IllegalArgumentException.class);
        Model other = Model.builder(3).dense(4).dense(2).seed(2).build();
        assertRefusedThenUsable(m, other.forward(X, true, new Random(0)), IllegalArgumentException.class);
    }

    @Test
    void aRecurrentTraceFromBeforeTheWeightsChangedIsRefused() {
        RecurrentConfig cfg = RecurrentConfig.of(CellType.GRU, 3, 4);
        Recurrent net = new Recurrent(cfg, 1);
        Tensor x = Tensor.of(gaussian(5 * 2 * 3, 4), 5, 2, 3);
        Tensor dOut = Tensor.of(gaussian(5 * 2 * 4, 5), 5, 2, 4);
        List<Runnable> changes = List.of(
                () -> net.loadStateDict(new Recurrent(cfg, 2).stateDict()),
                () -> net.initDefault(3),
                () -> net.initWeights((type, hidden, in, out, wih, whh, bih, bhh, whr) -> java.util.Arrays.fill(wih, 0.1f)),
                () -> new Sgd(net.params(), 0.5).step());
        for (Runnable change : changes) {
            Recurrent.Trace stale = net.forwardTrain(x, null, null, null, null);
            change.run();
            net.zeroGrad();
            List<float[]> before = grads(net.params());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.backward(stale, dOut, null, null));
            assertTrue(e.getMessage().startsWith("trace: the weights changed"), e.getMessage());
            assertSame(before, grads(net.params()));
            Recurrent.Trace fresh = net.forwardTrain(x, null, null, null, null);
            net.backward(fresh, dOut, null, null);
        }
    }
}
