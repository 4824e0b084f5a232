package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Exclusive;
import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.Require;
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
 *
 * <p>What carries the stream from one step to the next is {@link #size()} floats (the recurrent layers' h and
 * c, in layer order), which {@link #copyTo} and {@link #copyFrom} move in and out: to keep a stream across a
 * restart or move it to another process. The rest is scratch space of the step.
 */
public final class ModelState extends Exclusive {
    final Model model;
    final Layer.StepState[] layers;
    final float[][] buf;
    final int outputFeatures;
    private float[] undo;

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

    /**
     * Back to the zero state, as a new stream starts.
     *
     * @throws IllegalStateException if another thread is stepping this state (it is then unchanged)
     */
    public void reset() {
        enter("state", -1);
        try {
            for (Layer.StepState s : layers) s.reset();
        } finally {
            exit();
        }
    }

    /**
     * How many floats carry this stream: for each recurrent layer in order, its {@link
     * dev.vecrnn.nn.recurrent.StreamState#size()} (h of every layer of the stack, then c for an LSTM).
     */
    public int size() {
        int n = 0;
        for (Layer.StepState s : layers) n += s.size();
        return n;
    }

    /** {@link #copyTo(float[], int)} into all of {@code dst}, which must hold exactly {@link #size()} floats. */
    public void copyTo(float[] dst) {
        copyTo(whole("dst", dst), 0);
    }

    /**
     * {@link #copyFrom(float[], int)} from all of {@code src}, which must hold exactly {@link #size()} floats, as
     * {@link dev.vecrnn.nn.recurrent.StreamState#copyFrom(float[])} does for one network: a state saved from a
     * model of another shape is refused by its length (offset 0 would take a prefix of it), while one of another
     * model of the same size is taken as it is. Refused, the state is unchanged.
     */
    public void copyFrom(float[] src) {
        copyFrom(whole("src", src), 0);
    }

    private float[] whole(String name, float[] a) {
        if (a != null && a.length != size()) {
            throw new IllegalArgumentException(name + ": expected exactly " + size() + " floats (this state's size()), got an array of "
                    + a.length + " (a state of another model?); copyTo/copyFrom(array, offset) take a part of a larger array");
        }
        return Require.notNull(name, a);
    }

    /**
     * Copies this stream's state into {@code dst[offset, offset + size())}, layer by layer.
     *
     * @throws IllegalArgumentException if {@code dst} is null or too short from {@code offset}
     * @throws IllegalStateException if another thread is stepping this state
     */
    public void copyTo(float[] dst, int offset) {
        Require.range("dst", dst, offset, size());
        enter("state", -1);
        try {
            saveLayers(dst, offset);
        } finally {
            exit();
        }
    }

    /**
     * Sets this stream's state from {@code src[offset, offset + size())}, as {@link #copyTo} wrote it; the next
     * step continues from there. Everything is checked before anything changes: the range, and, unless the
     * model lets non-finite input through ({@link Model#setNonFiniteInput}), that every value is finite.
     *
     * @throws IllegalArgumentException if {@code src} is null, too short from {@code offset}, or holds NaN or
     *         an infinity (naming the index); the state is then unchanged
     * @throws IllegalStateException if another thread is stepping this state
     */
    public void copyFrom(float[] src, int offset) {
        int n = size();
        Require.range("src", src, offset, n);
        if (model.nonFiniteInput() == NonFiniteInput.REJECT) {
            for (int i = 0; i < n; i++) {
                float v = src[offset + i];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("src: expected finite values, got " + v + " at index " + (offset + i));
                }
            }
        }
        enter("state", -1);
        try {
            // a recurrent layer's own network may refuse what the model's policy lets through: undo what
            // was set before it, so that a refused state leaves this one as it was (the undo copy is kept,
            // so that a copyFrom per step, as a service or Flink keeping states elsewhere makes, allocates nothing)
            if (undo == null) undo = new float[n];
            float[] before = undo;
            saveLayers(before, 0);
            try {
                loadLayers(src, offset);
            } catch (RuntimeException e) {
                loadLayers(before, 0);
                throw e;
            }
        } finally {
            exit();
        }
    }

    // each layer's carried floats, one after another from off (the caller checked the range and holds the state)
    private void saveLayers(float[] dst, int off) {
        for (Layer.StepState s : layers) {
            s.copyTo(dst, off);
            off += s.size();
        }
    }

    private void loadLayers(float[] src, int off) {
        for (Layer.StepState s : layers) {
            s.copyFrom(src, off);
            off += s.size();
        }
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
