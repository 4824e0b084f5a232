package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Exclusive;
import dev.vecrnn.nn.layers.Layer;

/**
 * Scratch space for {@link Model#stepMany}: up to {@link #capacity()} streams at once, each layer's outputs
 * for all of them, and what each layer needs to step them together. Made by {@link Model#newStepWorkspace};
 * used by one thread at a time (a second thread using it during a call gets an IllegalStateException).
 */
public final class ModelStepWorkspace extends Exclusive {
    final Model model;
    final int capacity;
    final float[][] outs;            // per layer [capacity, its output features]
    final Layer.StepState[][] states; // per layer, stream i's state of that layer during a call
    final Object[] scratch;          // per layer, from Layer.newManyStepScratch
    final float[][] rowIn;           // per layer [its input features], for layers stepped one by one
    final float[][] rowOut;          // per layer [its output features]
    final int[] width;               // per layer, its input features (width[n] the model's output features)

    ModelStepWorkspace(Model model, int capacity) {
        this.model = model;
        this.capacity = capacity;
        int n = model.layers.size();
        outs = new float[n][];
        states = new Layer.StepState[n][];
        scratch = new Object[n];
        rowIn = new float[n][];
        rowOut = new float[n][];
        width = new int[n + 1];
        int f = model.inputFeatures;
        for (int i = 0; i < n; i++) {
            Layer l = model.layers.get(i);
            int o = l.outputFeatures(f);
            width[i] = f;
            outs[i] = new float[capacity * o];
            states[i] = new Layer.StepState[capacity];
            scratch[i] = l.newManyStepScratch(capacity);
            rowIn[i] = new float[f];
            rowOut[i] = new float[o];
            f = o;
        }
        width[n] = f;
    }

    /** How many streams one call may step. */
    public int capacity() {
        return capacity;
    }

    @Override
    protected String kind() {
        return "ModelStepWorkspace";
    }
}
