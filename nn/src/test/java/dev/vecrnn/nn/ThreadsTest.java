package dev.vecrnn.nn;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Two and three threads: forward outputs bit-identical to one thread; gradients equal within float rounding. */
class ThreadsTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void twoThreadsMatchOne(CellType type) {
        matchesOneThread(new RecurrentConfig(type, 7, 10, 2, true, false, true, 0f, 0), 2);
    }

    // three threads split B = 23 into uneven parts (7, 8, 8); an LSTM with a projection (P = 4 < H = 10)
    @org.junit.jupiter.api.Test
    void threeThreadsMatchOneWithProjection() {
        matchesOneThread(new RecurrentConfig(CellType.LSTM, 7, 10, 2, true, false, true, 0f, 4), 3);
    }

    private static void matchesOneThread(RecurrentConfig cfg, int threads) {
        Random rnd = new Random(4);
        int steps = 9, batch = threads == 2 ? 21 : 23;
        Tensor x = Tensor.zeros(steps, batch, 7);
        for (int i = 0; i < x.size(); i++) x.data()[i] = (float) rnd.nextGaussian();
        int[] len = new int[batch];
        for (int b = 0; b < batch; b++) len[b] = 1 + rnd.nextInt(steps);
        Tensor dOut = Tensor.zeros(steps, batch, cfg.outputSize());
        for (int i = 0; i < dOut.size(); i++) dOut.data()[i] = (float) rnd.nextGaussian();
        Recurrent one = new Recurrent(cfg, 3);
        Recurrent two = new Recurrent(cfg, 3);
        two.setThreads(threads);
        Recurrent.Trace a = one.forwardTrain(x, len, null, null, new Random(1));
        Recurrent.Trace b = two.forwardTrain(x, len, null, null, new Random(1));
        assertArrayEquals(a.output().data(), b.output().data(), 0f, "forward must not depend on the thread count");
        Recurrent.InputGrads ga = one.backward(a, dOut, null, null);
        Recurrent.InputGrads gb = two.backward(b, dOut, null, null);
        assertArrayEquals(ga.dx().data(), gb.dx().data(), 0f, "input gradients are row-independent");
        assertArrayEquals(ga.dh0().data(), gb.dh0().data(), 0f, "dh0 is row-independent");
        if (ga.dc0() != null) assertArrayEquals(ga.dc0().data(), gb.dc0().data(), 0f, "dc0 is row-independent");
        assertArrayEquals(a.hN().data(), b.hN().data(), 0f, "h_n must not depend on the thread count");
        Map<String, Tensor> pa = one.gradDict(), pb = two.gradDict();
        for (String k : pa.keySet()) {
            float[] u = pa.get(k).data(), v = pb.get(k).data();
            for (int i = 0; i < u.length; i++) assertEquals(u[i], v[i], 1e-5 * Math.max(1, Math.abs(u[i])), k + "[" + i + "]");
        }
    }
}
