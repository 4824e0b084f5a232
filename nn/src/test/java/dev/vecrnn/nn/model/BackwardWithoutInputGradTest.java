package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backward without the input gradient (for a stack fed with data): every parameter gradient, dh0 and dc0
 * bit for bit those of the full backward, and dx null; {@link Model#backward} takes that path for a
 * recurrent layer that is the first layer with params, and only there.
 */
class BackwardWithoutInputGradTest {

    private static Tensor gaussian(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.data().length; i++) t.data()[i] = (float) rnd.nextGaussian();
        return t;
    }

    @Property(tries = 40)
    void parameterGradientsAreTheSame(@ForAll CellType type, @ForAll @IntRange(min = 1, max = 2) int layers,
                                      @ForAll boolean bidirectional, @ForAll boolean batchFirst, @ForAll boolean projected,
                                      @ForAll boolean dropout, @ForAll boolean lengths, @ForAll boolean states,
                                      @ForAll @IntRange(min = 1, max = 9) int batch, @ForAll @IntRange(min = 1, max = 8) int steps,
                                      @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        Random rnd = new Random(seed);
        int in = 1 + rnd.nextInt(6), hidden = 2 + rnd.nextInt(8);
        RecurrentConfig cfg = new RecurrentConfig(type, in, hidden, layers, true, batchFirst, bidirectional, dropout ? 0.4f : 0f,
                projected && type == CellType.LSTM ? 1 + rnd.nextInt(hidden - 1) : 0);
        Recurrent full = new Recurrent(cfg, seed), skip = new Recurrent(cfg, seed);
        full.setThreads(threads);
        skip.setThreads(threads);
        int n = layers * cfg.directions();
        Tensor x = batchFirst ? gaussian(rnd, batch, steps, in) : gaussian(rnd, steps, batch, in);
        int[] len = null;
        if (lengths) {
            len = new int[batch];
            for (int b = 0; b < batch; b++) len[b] = 1 + rnd.nextInt(steps);
        }
        boolean lstm = type == CellType.LSTM;
        Tensor h0 = states ? gaussian(rnd, n, batch, cfg.outputHidden()) : null;
        Tensor c0 = states && lstm ? gaussian(rnd, n, batch, hidden) : null;
        Recurrent.Trace tf = full.forwardTrain(x, len, h0, c0, new Random(seed));
        Recurrent.Trace ts = skip.forwardTrain(x, len, h0, c0, new Random(seed));
        Tensor dOut = gaussian(rnd, tf.output().shape());
        Tensor dhN = gaussian(rnd, n, batch, cfg.outputHidden()), dcN = lstm ? gaussian(rnd, n, batch, hidden) : null;
        Recurrent.InputGrads gf = full.backward(tf, dOut, dhN, dcN);
        Recurrent.InputGrads gs = skip.backward(ts, dOut, dhN, dcN, false);
        assertNotNull(gf.dx());
        assertNull(gs.dx(), "dx when not asked for");
        assertArrayEquals(gf.dh0().data(), gs.dh0().data(), "dh0");
        if (lstm) assertArrayEquals(gf.dc0().data(), gs.dc0().data(), "dc0");
        Map<String, Tensor> want = full.gradDict(), got = skip.gradDict();
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) assertArrayEquals(want.get(name).data(), got.get(name).data(), name);
    }

    /** Model.backward against every layer's own backward (each computing its input gradient): the same parameter gradients. */
    @Example
    void modelBackwardSkipsItOnlyWhereNoLayerBelowNeedsIt() {
        record Case(String name, int firstTrainable, java.util.function.Supplier<Model> model, int features) {
        }
        List<Case> cases = List.of(
                new Case("lstm, dense", 0, () -> Model.builder(4).lstm(6).dense(2).seed(1).build(), 4),
                new Case("dropout, bidirectional gru x2, dense", 1, () -> Model.builder(4).dropout(0.3f)
                        .recurrent(CellType.GRU, 5, 2, true, 0.2f, 0).dense(3).seed(2).build(), 4),
                new Case("lstm, rnn, last step, dense", 0, () -> Model.builder(3).lstm(5).rnn(4).lastStep().dense(2).seed(3).build(), 3),
                new Case("embedding, lstm, dense", 0, () -> Model.builder(1).embedding(7, 3).lstm(4).dense(2).seed(4).build(), 1));
        for (Case c : cases) {
            Model skipping = c.model.get(), full = c.model.get();
            assertEquals(c.firstTrainable, skipping.firstTrainable, c.name);
            Random rnd = new Random(5);
            float[] xs = new float[3 * 6 * c.features];
            for (int i = 0; i < xs.length; i++) xs[i] = c.features == 1 ? rnd.nextInt(7) : (float) rnd.nextGaussian();
            Batch x = Batch.sequences(xs, 3, 6, c.features, new int[] {6, 2, 4});
            Model.Trace ts = skipping.forward(x, true, new Random(6)), tf = full.forward(x, true, new Random(6));
            float[] d = new float[ts.output().data().length];
            for (int i = 0; i < d.length; i++) d[i] = (float) rnd.nextGaussian();
            skipping.backward(ts, ts.output().withData(d, ts.output().features()));
            Batch g = tf.output().withData(d.clone(), tf.output().features());
            for (int i = full.layers.size() - 1; i >= 0; i--) g = full.layers.get(i).backward(tf.caches.get(i), g);
            if (c.features != 1) assertNotNull(g, c.name + ": the full backward reached the input");
            for (int p = 0; p < full.params().size(); p++) {
                Param want = full.params().get(p), got = skipping.params().get(p);
                assertArrayEquals(want.grad(), got.grad(), c.name + ": " + want.name());
                boolean live = false;
                for (float v : got.grad()) live |= v != 0f;
                assertTrue(live, c.name + ": " + got.name() + " all zero");
            }
        }
    }
}
