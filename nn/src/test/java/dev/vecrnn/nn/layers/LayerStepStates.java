package dev.vecrnn.nn.layers;

import dev.vecrnn.nn.recurrent.StreamState;

/** What a layer keeps for one stream, for tests in other packages (the layers keep it package-private). */
public final class LayerStepStates {
    private LayerStepStates() {
    }

    /** The recurrent stack's state of a recurrent layer's stream; null for a layer that keeps none. */
    public static StreamState recurrent(Layer.StepState s) {
        return s instanceof RecurrentLayer.RecurrentStep r ? r.state() : null;
    }
}
