package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.nn.io.internal.Untrusted;

/** Pointwise activations of a {@link Dense} layer. */
public enum Activation {
    LINEAR, RELU, TANH, SIGMOID;

    // x [n] -> y [n] (may alias)
    void apply(Kernels k, int n, float[] x, int xOff, float[] y, int yOff) {
        switch (this) {
            case RELU -> k.relu(n, x, xOff, y, yOff);
            case TANH -> k.tanh(n, x, xOff, y, yOff);
            case SIGMOID -> k.sigmoid(n, x, xOff, y, yOff);
            default -> {
                if (x != y || xOff != yOff) System.arraycopy(x, xOff, y, yOff, n);
            }
        }
    }

    // given y = f(x): dx = dy * f'(x), written over dy
    void backward(Kernels k, int n, float[] y, float[] dy) {
        switch (this) {
            case RELU -> k.reluBackward(n, y, 0, dy, 0, dy, 0);
            case TANH -> k.tanhBackward(n, y, 0, dy, 0, dy, 0);
            case SIGMOID -> k.sigmoidBackward(n, y, 0, dy, 0, dy, 0);
            default -> {
            }
        }
    }

    public static Activation parse(String name) {
        if (name == null) throw new IllegalArgumentException("name: expected an activation (linear, relu, tanh or sigmoid), got null");
        for (Activation a : values()) if (a.name().equalsIgnoreCase(name.trim())) return a;
        throw new IllegalArgumentException("activation: expected linear, relu, tanh or sigmoid, got " + Untrusted.quote(name));
    }
}
