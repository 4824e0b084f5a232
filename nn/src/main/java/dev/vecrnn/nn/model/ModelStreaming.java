package dev.vecrnn.nn.model;

import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;

import dev.vecrnn.kernels.Kernels;

import java.util.List;

/**
 * The streaming behind {@link Model#step}, {@link Model#newStepWorkspace}, {@link Model#maxStepStreams} and
 * {@link Model#stepMany}: their argument checks, in the order the model's javadoc promises (everything before
 * any state changes), and the steps through the layers, allocation-free. The model's methods are one line
 * each, as {@code Recurrent}'s are over its {@code Streaming}; what a stream carries is {@link ModelState}'s,
 * the scratch of many streams {@link ModelStepWorkspace}'s.
 */
final class ModelStreaming {
    private ModelStreaming() {
    }

    // x [inputFeatures] -> out [outputFeatures]; the state advances one step
    static void step(Model model, float[] x, ModelState state, float[] out) {
        if (state == null || state.model != model) {
            throw new IllegalArgumentException("state: expected a state from this model's newState(), got "
                    + (state == null ? "null" : "one of another model"));
        }
        int in = model.inputFeatures;
        if (x == null || x.length != in) {
            throw new IllegalArgumentException("x: expected " + in + " features, got "
                    + (x == null ? "null" : "an array of " + x.length));
        }
        int outF = state.outputFeatures;
        if (out == null || out.length < outF) {
            throw new IllegalArgumentException("out: expected room for " + outF + " floats, got " + (out == null ? "null" : out.length));
        }
        Kernels k = Kernels.get();
        if (model.nonFiniteInput() == NonFiniteInput.REJECT) NonFiniteInput.checkStep(k, "x", x, 0, in);
        state.enter("state", -1);
        try {
            state.advance(k, x, out);
        } finally {
            state.exit();
        }
    }

    static ModelStepWorkspace newStepWorkspace(Model model, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity: expected >= 1, got " + capacity);
        model.newState(); // refuses a model that cannot stream, with the same words
        // each layer's outputs for all the streams are one array: a product past an array's length wrapped to a
        // small array (a deep index error at the first stepMany) or went negative. The bound named is the model's
        // whole one, its recurrent layers' wider rows included: checking the model's own rows first named a bound
        // (2^31 / 16 for an LSTM of 16 units) that capacities under it still failed, in the layer's other words
        int most = maxStepStreams(model);
        if (capacity > most) {
            throw new IllegalArgumentException("capacity: expected at most " + most + " streams (maxStepStreams(): each layer's rows"
                    + " for all of them must fit one Java array), got " + capacity);
        }
        return new ModelStepWorkspace(model, capacity);
    }

    static int maxStepStreams(Model model) {
        int most = (Integer.MAX_VALUE - 8) / widestStepRow(model);
        // a recurrent layer's own workspace holds wider rows (its gates) for the same streams
        for (Layer l : model.layers) if (l instanceof RecurrentLayer r) most = Math.min(most, r.recurrent().maxStepStreams());
        return most;
    }

    private static int widestStepRow(Model model) {
        int widest = 1, f = model.inputFeatures;
        for (Layer l : model.layers) widest = Math.max(widest, f = l.outputFeatures(f));
        return widest;
    }

    // xs [n, inputFeatures] -> outs [n, outputFeatures], every layer stepping the n streams at once
    static void stepMany(Model model, int n, float[] xs, ModelState[] states, float[] outs, ModelStepWorkspace ws) {
        if (ws == null || ws.model != model) throw new IllegalArgumentException("ws: expected a workspace made by newStepWorkspace() of this model");
        if (n < 0 || n > ws.capacity) throw new IllegalArgumentException("n: expected in [0, " + ws.capacity + "], got " + n);
        if (states == null || states.length < n) {
            throw new IllegalArgumentException("states: expected at least " + n + " states, got " + (states == null ? "null" : states.length));
        }
        List<Layer> layers = model.layers;
        int in = model.inputFeatures, outF = ws.width[layers.size()];
        Require.minLength("xs", xs, (long) n * in);
        Require.minLength("outs", outs, (long) n * outF);
        for (int i = 0; i < n; i++) {
            if (states[i] == null || states[i].model != model) {
                throw new IllegalArgumentException("states[" + i + "]: expected a state from this model's newState(), got "
                        + (states[i] == null ? "null" : "one of another model"));
            }
        }
        Kernels k = Kernels.get();
        if (model.nonFiniteInput() == NonFiniteInput.REJECT) NonFiniteInput.checkRows(k, "xs", "stream", xs, n, in);
        ws.enter("ws", -1);
        int held = 0;
        try {
            for (; held < n; held++) states[held].enter("states", held);
            float[] cur = xs;
            for (int l = 0; l < layers.size(); l++) {
                Layer.StepState[] ls = ws.states[l];
                for (int i = 0; i < n; i++) ls[i] = states[i].layers[l];
                layers.get(l).stepMany(k, n, cur, ws.width[l], ls, ws.outs[l], ws.width[l + 1], ws.scratch[l], ws.rowIn[l], ws.rowOut[l]);
                cur = ws.outs[l];
            }
            System.arraycopy(cur, 0, outs, 0, n * outF);
        } finally {
            for (Layer.StepState[] ls : ws.states) java.util.Arrays.fill(ls, 0, n, null); // hold no stream past the call
            for (int i = 0; i < held; i++) states[i].exit();
            ws.exit();
        }
    }
}
