package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Exclusive;
import dev.vecrnn.nn.layers.Layer;

import dev.vecrnn.kernels.Kernels;

/**
 * One stream's state in a {@link Model} stepped one time step at a time ({@link Model#step}): what each
 * layer keeps for the stream (a recurrent layer's h and c) and a buffer per layer output, so a step
 * allocates nothing. Each layer maps one step: an embedding looks up a row, a recurrent layer advances
 * its state, a dense layer maps the step's features; dropout is the identity and a last-step head passes
 * the current step through (the output is what the model would say if the sequence ended here).
 * Attention pooling needs the whole sequence and is refused when the state is made, as are
 * bidirectional recurrent layers.
 *
 * <p>The model is shared; a state is one stream's and used by one thread at a time: a second thread
 * stepping it while a step is running gets an {@link IllegalStateException} naming the thread that
 * holds it; handing it to another thread between steps is fine.
 */
public final class ModelState extends Exclusive {
    final Model model;
    final Layer.StepState[] layers;
    final float[][] buf;
    final int outputFeatures;

    ModelState(Model m) {
        this.model = m;
        int n = m.layers.size();
        this.layers = new Layer.StepState[n];
        this.buf = new float[n][];
        int f = m.inputFeatures;
        for (int i = 0; i < n; i++) {
            Layer l = m.layers.get(i);
            layers[i] = l.newStepState(i);
            f = l.outputFeatures(f);
            buf[i] = new float[f];
        }
        this.outputFeatures = f;
    }

    @Override
    protected String kind() {
        return "ModelState";
    }

    /** Back to the zero state, as a new stream starts. */
    public void reset() {
        for (Layer.StepState s : layers) s.reset();
    }

    // one step through every layer, for Model.step, which checked the arguments and holds this state
    void advance(Kernels k, float[] x, float[] out) {
        float[] cur = x;
        for (int i = 0; i < layers.length; i++) {
            layers[i].step(k, cur, buf[i]);
            cur = buf[i];
        }
        System.arraycopy(cur, 0, out, 0, outputFeatures);
    }
}
