package dev.vecrnn.nn.layers;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One stage of a {@link dev.vecrnn.nn.model.Model}: a forward/backward pair with an explicit cache. Backward accumulates
 * into the layer's param gradients and returns the gradient of its input.
 */
public interface Layer {

    /** What forward keeps for backward. */
    interface Cache {
    }

    record Out(Batch output, Cache cache) {
        public Out {
            Require.notNull("output", output);
            Require.notNull("cache", cache);
        }
    }

    /** A short description for summaries, e.g. {@code LSTM(64)}. */
    String describe();

    /** The feature size this layer produces from {@code inputFeatures}. */
    int outputFeatures(int inputFeatures);

    /** Whether the output is a sequence, given whether the input is. */
    boolean outputIsSequence(boolean inputIsSequence);

    Out forward(Batch in, boolean training, Random rng);

    /** dOut has the shape of the forward output; returns the gradient of the input (null if not needed). */
    Batch backward(Cache cache, Batch dOut);

    /** The trainable params (none by default). */
    default List<Param> params() {
        return List.of();
    }

    /** Writes this layer's tensors under {@code prefix} (e.g. "1."); none by default. */
    default void stateDict(String prefix, Map<String, Tensor> out) {
        Require.stateDictArgs(prefix, "out", out);
    }

    /**
     * Reads this layer's tensors under {@code prefix}, removing them from {@code in}; none by default. The
     * layers here check that all of them are present and of their shapes before they remove or copy any, so
     * a refusal leaves the layer and {@code in} as they were.
     */
    default void loadStateDict(String prefix, Map<String, Tensor> in) {
        Require.stateDictArgs(prefix, "in", in);
    }

    /** The architecture as key/value strings, for model files. */
    Map<String, Object> spec();
}
