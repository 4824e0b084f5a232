package dev.vecrnn.nn.layers;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.internal.StateDicts;

import java.util.LinkedHashMap;
import java.util.Map;

/** The checks the layers share: what {@code outputFeatures} is given, a backward's cache, and a layer's tensor shapes. */
final class LayerChecks {
    private LayerChecks() {
    }

    /** What a layer's {@code outputFeatures} is given: the input size it was made for (or, with expected 0, any size >= 1). */
    static int inputFeatures(Layer layer, int expected, int got) {
        if (expected == 0 ? got < 1 : got != expected) {
            throw new IllegalArgumentException("inputFeatures: expected " + (expected == 0 ? ">= 1" : expected + " (the input size of "
                    + layer.describe() + ")") + ", got " + got);
        }
        return got;
    }

    /** The cache a layer's forward made, as the layer's backward needs it. */
    static <C extends Layer.Cache> C cache(Layer layer, Class<C> type, Layer.Cache cache) {
        if (!type.isInstance(cache)) {
            throw new IllegalArgumentException("cache: expected the cache of a " + layer.describe() + " forward, got "
                    + (cache == null ? "null" : cache.getClass().getSimpleName()));
        }
        return type.cast(cache);
    }

    /** The names and shapes of a layer's tensors (without prefix), in its stateDict's order. */
    static Map<String, int[]> shapes(Layer layer) {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        layer.stateDict("", sd);
        return StateDicts.shapes(sd);
    }

    /** {@code copy} with {@code src}'s tensors (the same kind of layer and shapes); returns copy. */
    static <L extends Layer> L withWeightsOf(L copy, Layer src) {
        java.util.Map<String, dev.vecrnn.nn.Tensor> sd = new java.util.LinkedHashMap<>();
        src.stateDict("", sd);
        copy.loadStateDict("", sd);
        return copy;
    }
}
