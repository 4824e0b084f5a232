package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.io.TensorData;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;

import dev.vecrnn.kernels.Kernels;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One stage of a {@link dev.vecrnn.nn.model.Model}: a forward/backward pair with an explicit cache. Backward accumulates
 * into the layer's param gradients and returns the gradient of its input.
 *
 * <p>Closed: the layers are the six of this package ({@code sealed}). A model is more than forward and
 * backward: it is saved to and loaded from model files, which know each layer by its {@link #spec()} kind,
 * and it is streamed one step at a time. A layer of one's own could be neither saved, nor loaded, nor
 * streamed, so nothing would really accept it; {@code Layer} stays closed until there is a way to register
 * a layer kind with the model files. The members marked {@link Internal} are what the model package asks of
 * every layer (its streaming step, the state it carries between chunks of a sequence, its threads), so
 * that the model needs no {@code instanceof} on layer classes; they are not supported API.
 */
public sealed interface Layer permits Dense, Embedding, RecurrentLayer, AttentionPooling, Dropout, LastStep {

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

    /**
     * Whether this layer reads its input step by step, so that it needs a sequence (a recurrent layer, the
     * last step, attention pooling); a model refuses one after a layer that pooled the sequence.
     */
    @Internal
    default boolean readsSteps() {
        return false;
    }

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

    /** How many parameters the layer has: the elements of its {@link #stateDict} (a quantized layer's too). */
    @Internal
    default long parameterCount() {
        Map<String, Tensor> sd = new java.util.LinkedHashMap<>();
        stateDict("", sd);
        long n = 0;
        for (Tensor t : sd.values()) n += t.size();
        return n;
    }

    /** The architecture as key/value strings, for model files. */
    Map<String, Object> spec();

    /**
     * An inference-only copy for {@link dev.vecrnn.nn.model.Model#quantized}: a recurrent layer with its gate
     * weights in {@code precision} (INT8 or BF16), every other layer with copies of its fp32 weights (so that
     * training this layer later does not reach the copy); a layer without weights may return itself.
     */
    @Internal
    Layer quantized(Precision precision);

    /** How this layer's weights are stored: FP32 but for a quantized recurrent layer. */
    @Internal
    default Precision precision() {
        return Precision.FP32;
    }

    /**
     * This layer's tensors as a model file stores them, under {@code prefix}: its {@link #stateDict} as F32,
     * but for a quantized recurrent layer (see {@link dev.vecrnn.nn.recurrent.Recurrent#storedTensors}).
     */
    @Internal
    default void storedTensors(String prefix, Map<String, TensorData> out) {
        Map<String, Tensor> sd = new java.util.LinkedHashMap<>();
        stateDict(prefix, sd);
        sd.forEach((k, v) -> out.put(k, TensorData.of(v)));
    }

    // ------------------------------------------------------------------ for the model package

    /**
     * One stream's way through a layer, step by step: the layer's state for that stream if it keeps one
     * (a recurrent layer's h and c) and the step itself. Made per stream by {@link #newStepState}.
     */
    @Internal
    interface StepState {
        /**
         * One time step of this stream: in holds the step's input features (at least what the layer takes),
         * out, exactly as long as the layer's output, receives the step's output. Allocation-free; no checks
         * (the model checked x and holds the stream).
         */
        void step(Kernels k, float[] in, float[] out);

        /** Back to the start of a stream (nothing for a layer that keeps no state between steps). */
        default void reset() {
        }

        /** How many floats carry this stream from one step to the next (0 for a layer that keeps none). */
        default int size() {
            return 0;
        }

        /** Writes the {@link #size()} floats that carry this stream to {@code dst[off, off + size())}. */
        default void copyTo(float[] dst, int off) {
        }

        /**
         * Sets them from {@code src[off, off + size())}, as {@link #copyTo} wrote them; the model checked the
         * range (and, under its policy, that the values are finite).
         */
        default void copyFrom(float[] src, int off) {
        }
    }

    /**
     * A new stream's state for stepping this layer, which is layer {@code index} of its model. A layer that
     * needs the whole sequence refuses with an {@link IllegalArgumentException}: attention pooling (naming
     * the index), a bidirectional recurrent stack.
     */
    @Internal
    StepState newStepState(int index);

    /**
     * Steps n streams through this layer at once: in {@code [n, inWidth]} -> out {@code [n, outWidth]}
     * (outWidth this layer's output features), states[i] being stream i's {@link StepState} of this layer.
     * Bit for bit what n calls of {@link StepState#step} give. By default one by one, through rowIn and
     * rowOut ({@code inWidth} and exactly {@code outWidth} long); a recurrent layer reads its weights once for
     * all of them, in scratch from {@link #newManyStepScratch}. No checks: the model checked the arguments
     * and holds the streams.
     */
    @Internal
    default void stepMany(Kernels k, int n, float[] in, int inWidth, StepState[] states, float[] out, int outWidth,
                          Object scratch, float[] rowIn, float[] rowOut) {
        for (int i = 0; i < n; i++) {
            System.arraycopy(in, i * inWidth, rowIn, 0, inWidth);
            states[i].step(k, rowIn, rowOut);
            System.arraycopy(rowOut, 0, out, i * outWidth, outWidth);
        }
    }

    /** Scratch space for {@link #stepMany} of up to {@code capacity} streams (null when it needs none). */
    @Internal
    default Object newManyStepScratch(int capacity) {
        return null;
    }

    /**
     * Forward starting from a state carried over from the previous chunk of the same sequences
     * ({@link #finalState}; null: from zeros). Only a layer with a state across time uses it; the others
     * run {@link #forward(Batch, boolean, Random)}.
     */
    @Internal
    default Out forward(Batch in, boolean training, Random rng, Tensor[] state) {
        return forward(in, training, rng);
    }

    /** The state a forward ended in, to carry to the next chunk; null for a layer with no state across time. */
    @Internal
    default Tensor[] finalState(Cache cache) {
        return null;
    }

    /** Threads for the layer's batched products (a recurrent layer's); nothing for the others. */
    @Internal
    default void setThreads(int n) {
    }

    /**
     * {@link #backward(Cache, Batch)}, told whether anyone reads the input's gradient: a layer that can skip
     * it (a recurrent stack fed by data) does, and returns null then. Param gradients are the same either way.
     */
    @Internal
    default Batch backward(Cache cache, Batch dOut, boolean inputGrad) {
        return backward(cache, dOut);
    }

    /** Whether the input has a gradient at all: not for token ids (an embedding's input). */
    @Internal
    default boolean inputIsDifferentiable() {
        return true;
    }

    /**
     * Why a state cannot be carried from one chunk of a sequence to the next through this layer (truncated
     * BPTT), or null when it can: a bidirectional stack reads each chunk backwards from its end.
     */
    @Internal
    default String whyNoCarriedState() {
        return null;
    }

    /** Writes the accumulated gradients under {@code prefix}, with the names and shapes of {@link #stateDict}; copies. */
    @Internal
    default void gradDict(String prefix, Map<String, Tensor> out) {
        Map<String, Tensor> shapes = new java.util.LinkedHashMap<>();
        stateDict("", shapes);
        for (Param p : params()) {
            Tensor like = shapes.get(p.name());
            out.put(prefix + p.name(), Tensor.of(p.grad().clone(), like == null ? new int[] {p.size()} : like.shape()));
        }
    }
}
