package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.StreamState;

/** What a session's outputs must be, computed without the service: the references of the load check. */
final class Offline {
    private Offline() {
    }

    // xs [T, I] -> [T, Hout]: one fresh state stepped T times on this thread, as the service steps a session
    static float[] stepLoop(Recurrent net, float[] xs, int steps) {
        int in = net.config().inputSize(), p = net.config().outputHidden();
        float[] out = new float[steps * p];
        StreamState s = net.newState();
        for (int t = 0; t < steps; t++) net.step(xs, t * in, s, out, t * p);
        return out;
    }

    // xs [T, I] -> [T, Hout]: the whole sequence in one forward, x [T, 1, I]
    static float[] sequence(Recurrent net, float[] xs, int steps) {
        int in = net.config().inputSize();
        return net.forward(Tensor.of(xs.clone(), steps, 1, in), null, null, null).output().data();
    }
}
