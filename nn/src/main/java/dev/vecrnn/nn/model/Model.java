package dev.vecrnn.nn.model;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.io.TensorData;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.internal.StateDicts;
import dev.vecrnn.nn.layers.Layer;

import dev.vecrnn.kernels.Kernels;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A sequential model: layers applied in order to a {@link Batch}. Built with {@link #builder(int)}
 * (Keras-like) or loaded from a model file.
 *
 * <p>Threads: inference ({@link #predict}, {@link #step}) only reads the weights, so a model that is
 * not being trained or loaded meanwhile may be shared by any number of threads, with the same bits as
 * one thread. {@link #newState()} gives each stream its own state for allocation-free {@link #step}; a
 * {@link ModelState} belongs to one stream and one thread at a time (a second thread using it
 * during a step gets an {@link IllegalStateException}; handing it over between steps is fine).
 *
 * <p>A NaN or infinity in an inference input is rejected with its position (sample, time step,
 * feature) unless {@link #setNonFiniteInput} chose {@link NonFiniteInput#PROPAGATE}.
 */
public final class Model {
    final int inputFeatures;
    final List<Layer> layers;
    private final List<Param> params;
    /** The first layer with params (layers.size() if none): no gradient needs to flow below it. */
    final int firstTrainable;

    /**
     * A model of these layers, in order, taking {@code inputFeatures} features (what {@link ModelBuilder} and the
     * model files build; each layer must accept the features the one before it produces, and one with params appear once).
     *
     * @throws IllegalArgumentException for {@code inputFeatures < 1}, a layer that does not take the features before it,
     *                                  a layer object given twice, or an embedding past the first layer
     */
    public Model(int inputFeatures, List<Layer> layers) {
        Require.notNull("layers", layers);
        if (inputFeatures < 1) throw new IllegalArgumentException("inputFeatures: expected >= 1, got " + inputFeatures);
        int f = inputFeatures;
        int pooledBy = -1;  // the layer that made one vector of the sequence, if one did
        for (int i = 0; i < layers.size(); i++) {
            Layer l = Require.notNull("layers[" + i + "]", layers.get(i));
            // a layer that reads steps (recurrent, LastStep, attention): after a layer that pooled the sequence
            // they were accepted here and refused at the first forward, in words that blamed the input
            if (pooledBy >= 0 && l.readsSteps()) {
                throw new IllegalArgumentException("layers[" + i + "] (" + l.describe() + "): expected a sequence input, but layers["
                        + pooledBy + "] already pooled the sequence to one vector");
            }
            if (pooledBy < 0 && !l.outputIsSequence(true)) pooledBy = i;
            // a layer with params given twice would have its arrays under two names: each optimizer step would update them twice
            for (int j = 0; j < i && !l.params().isEmpty(); j++) {
                if (layers.get(j) == l) {
                    throw new IllegalArgumentException("layers[" + i + "]: expected a layer of its own, got the same object as layers["
                            + j + "] (" + l.describe() + "); make another for the same shape");
                }
            }
            try {
                f = l.outputFeatures(f);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layers[" + i + "] (on " + (i == 0 ? "the model's input" : "the output of layers[" + (i - 1) + "]")
                        + "): " + e.getMessage(), e);
            }
        }
        for (int i = 1; i < layers.size(); i++) {
            // an embedding reads token ids; past the first layer its ids would be computed, and one that is
            // not an id would be refused by a step only after the layers before it had advanced the stream
            if (layers.get(i) instanceof dev.vecrnn.nn.layers.Embedding) {
                throw new IllegalArgumentException("layers[" + i + "]: an embedding takes token ids, so it can only be the first layer");
            }
        }
        this.inputFeatures = inputFeatures;
        this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
        List<Param> ps = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            for (Param p : layers.get(i).params()) ps.add(p.renamed("layers." + i + "." + p.name()));
        }
        this.params = Collections.unmodifiableList(ps);
        int first = 0;
        while (first < layers.size() && layers.get(first).params().isEmpty()) first++;
        this.firstTrainable = first;
    }

    private volatile NonFiniteInput nonFiniteInput = NonFiniteInput.REJECT;

    /** What inference ({@link #predict}, a forward not in training, {@link #step}) does with a NaN or infinity in x. */
    public void setNonFiniteInput(NonFiniteInput policy) {
        this.nonFiniteInput = NonFiniteInput.require(policy);
    }

    /** The policy set by {@link #setNonFiniteInput} (REJECT by default). */
    public NonFiniteInput nonFiniteInput() {
        return nonFiniteInput;
    }

    /** A builder of a model taking {@code inputFeatures} features per step (1 for token ids into an embedding). */
    public static ModelBuilder builder(int inputFeatures) {
        return new ModelBuilder(inputFeatures);
    }

    /** The features per step the model takes. */
    public int inputFeatures() {
        return inputFeatures;
    }

    /** The layers, in order (unmodifiable). */
    public List<Layer> layers() {
        return layers;
    }

    /** Every layer's parameters, in order, named {@code layers.<i>.<name>} (unmodifiable). */
    public List<Param> params() {
        return params;
    }

    /** How many parameters the model has (the elements of {@link #stateDict()}); a quantized copy has as many. */
    public long parameterCount() {
        long n = 0;
        for (Layer l : layers) n += l.parameterCount();
        return n;
    }

    /** The feature size of the model's output. */
    public int outputFeatures() {
        int f = inputFeatures;
        for (Layer l : layers) f = l.outputFeatures(f);
        return f;
    }

    /** Whether the output is a sequence (many-to-many) rather than one vector per sequence. */
    public boolean outputIsSequence() {
        boolean s = true;
        for (Layer l : layers) s = l.outputIsSequence(s);
        return s;
    }

    /** What a training forward keeps for backward. */
    public static final class Trace {
        final Model model;
        /** The model's {@link #weightsVersion()} at the forward: backward refuses the trace once the weights changed. */
        final long version;
        final List<Layer.Cache> caches;
        final Batch output;

        Trace(Model model, List<Layer.Cache> caches, Batch output) {
            this.model = model;
            this.version = model.weightsVersion();
            this.caches = caches;
            this.output = output;
        }

        /** The forward's output, as {@link #predict} would give it. */
        public Batch output() {
            return output;
        }
    }

    /**
     * Inference: the model's output for a batch of sequences [B, T, F] (see {@link #setNonFiniteInput}). Steps
     * past a sequence's length are padding and ignored: whatever they hold (NaN, token ids out of range), the
     * outputs are those of zeros there, and only the valid steps are checked for NaN and infinity.
     */
    public Batch predict(Batch x) {
        return forward(x, false, null).output;
    }

    /** Forward; in training, dropout draws from rng (required then; null is fine for inference) and the trace serves {@link #backward}. */
    public Trace forward(Batch x, boolean training, Random rng) {
        return forward(x, training, rng, null, null);
    }

    /**
     * The recurrent layers' states at a point in time: for each recurrent layer (by index) its h
     * {@code [L*D, B, Hout]} and, for LSTM, c {@code [L*D, B, H]}. Carried across chunks of a sequence
     * without carrying gradient (truncated BPTT).
     */
    public static final class Carry {
        final Map<Integer, Tensor[]> states = new LinkedHashMap<>();
        /** The model whose forward filled it, and how many sequences it carries (null and 0 while empty). */
        Model model;
        int batch;

        /**
         * Copies of the states held: for each recurrent layer by index, in layer order, {h} or an LSTM's {h, c}
         * (PyTorch's h_n and c_n of that layer); empty before a forward filled it. Changing them changes nothing here.
         */
        public Map<Integer, Tensor[]> states() {
            Map<Integer, Tensor[]> copy = new LinkedHashMap<>();
            for (Map.Entry<Integer, Tensor[]> e : states.entrySet()) {
                Tensor[] held = e.getValue();  // {h, c}, c null but for an LSTM
                copy.put(e.getKey(), held[1] == null ? new Tensor[] {held[0].copy()} : new Tensor[] {held[0].copy(), held[1].copy()});
            }
            return java.util.Collections.unmodifiableMap(copy);
        }
    }

    /**
     * Forward starting the recurrent layers from {@code from} (null or empty: zeros) and recording their final
     * states in {@code to} (replacing what it held, once the forward has succeeded). The padding of x is ignored
     * as in {@link #predict}, in training too: the layers see zeros there.
     *
     * @throws IllegalArgumentException when {@code from} was filled by another model's forward, or for another
     *                                  number of sequences than x has
     */
    public Trace forward(Batch x, boolean training, Random rng, Carry from, Carry to) {
        if (x == null) throw new IllegalArgumentException("x: expected a batch, got null");
        if (training && rng == null) throw new IllegalArgumentException("rng: expected a Random to draw dropout masks in training, got null");
        if (training) requireFp32("training");
        if (x.features() != inputFeatures) {
            throw new IllegalArgumentException("x: expected " + inputFeatures + " features per step, got " + x.features());
        }
        if (!x.sequence()) throw new IllegalArgumentException("x: expected a batch of sequences [B, T, F], got " + x);
        if (from != null && from.model != null && from.model != this) {
            throw new IllegalArgumentException("from: expected a carry filled by this model's forward, got one of another model");
        }
        if (from != null && from.model != null && from.batch != x.batch()) {
            throw new IllegalArgumentException("from: expected the states of " + x.batch() + (x.batch() == 1 ? " sequence" : " sequences") + " (the batch of x), got those of "
                    + from.batch);
        }
        if (!training && nonFiniteInput == NonFiniteInput.REJECT) {
            NonFiniteInput.checkSequences(Kernels.get(), "x", x.data(), x.steps(), x.batch(), x.features(), true, x.lengths());
        }
        List<Layer.Cache> caches = new ArrayList<>(layers.size());
        Map<Integer, Tensor[]> reached = new LinkedHashMap<>();
        Batch cur = x.zeroPadded();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Layer.Out o = from == null ? l.forward(cur, training, rng) : l.forward(cur, training, rng, from.states.get(i));
            Tensor[] state = to == null ? null : l.finalState(o.cache());
            if (state != null) reached.put(i, state);
            caches.add(o.cache());
            cur = o.output();
        }
        if (to != null) {
            to.states.clear();
            to.states.putAll(reached);
            to.model = this;
            to.batch = x.batch();
        }
        return new Trace(this, caches, cur);
    }

    /**
     * Backward from the gradient of the output; accumulates every param's gradient. The model's input is
     * data, so no gradient is needed below the first layer with params: the layers before it are not
     * run backward, and a recurrent layer there does not compute its input gradient (the top layer always
     * runs, to check dOutput). {@link #backward(Trace, Batch, boolean)} gives the input gradient too.
     * A trace may serve more than one backward (the gradients accumulate), but only of this model and not
     * once its weights changed after the forward (an optimizer step, {@link #loadStateDict}): a trace of
     * another model is an {@link IllegalArgumentException}, a stale one an {@link IllegalStateException},
     * both before any gradient changes.
     */
    public void backward(Trace trace, Batch dOutput) {
        backward(trace, dOutput, false);
    }

    /**
     * {@link #backward(Trace, Batch)}, and with {@code inputGrad} the gradient of the input x, d(loss)/d(x)
     * {@code [B, T, F]} (zeros on padding), as {@link dev.vecrnn.nn.recurrent.Recurrent#backward(
     * dev.vecrnn.nn.recurrent.Recurrent.Trace, Tensor, Tensor, Tensor, boolean) Recurrent.backward} gives
     * it: for saliency, adversarial inputs, or a model fed by another. It runs every layer backward, so it costs
     * more; param gradients are the same bit for bit either way. Without {@code inputGrad} it returns null.
     *
     * @throws IllegalArgumentException with {@code inputGrad}, when a layer's input has no gradient (an
     *                                  {@link dev.vecrnn.nn.layers.Embedding} reads token ids), checked before any gradient changes
     */
    public Batch backward(Trace trace, Batch dOutput, boolean inputGrad) {
        Require.notNull("trace", trace);
        Batch d = Require.notNull("dOutput", dOutput);
        if (trace.model != this) throw new IllegalArgumentException("trace: expected a trace from this model's forward, got one of another model");
        requireFp32("backward"); // an inference forward's trace: its dense layers would take gradients nothing could apply
        if (trace.version != weightsVersion()) {
            throw new IllegalStateException("trace: the weights changed after the forward that made it (an optimizer step or"
                    + " loadStateDict), so its activations are not those of these weights; run forward again");
        }
        if (inputGrad) {
            for (Layer l : layers) {
                if (!l.inputIsDifferentiable()) {
                    throw new IllegalArgumentException("inputGrad: the input of " + l.describe() + " is token ids, which have no gradient;"
                            + " take the gradient of its output, or backward without inputGrad");
                }
            }
        }
        int last = inputGrad ? 0 : Math.max(0, Math.min(firstTrainable, layers.size() - 1));
        for (int i = layers.size() - 1; i >= last && d != null; i--) {
            Layer l = layers.get(i);
            Layer.Cache c = trace.caches.get(i);
            d = l.backward(c, d, inputGrad || i != firstTrainable);
        }
        if (!inputGrad) return null;
        // padding is not read by the forward pass, so its gradient is zero whatever the layers passed down
        float[] g = layers.isEmpty() ? d.data().clone() : d.data();
        int f = d.features();
        for (int b = 0; b < d.batch(); b++) java.util.Arrays.fill(g, (b * d.steps() + d.lengths()[b]) * f, (b + 1) * d.steps() * f, 0f);
        return d.withData(g, f);
    }

    /**
     * The accumulated gradients under the names of {@link #stateDict()}, {@code layers.<i>.<name>}, in the
     * same shapes (a recurrent layer's as PyTorch lays them out, as {@link
     * dev.vecrnn.nn.recurrent.Recurrent#gradDict()}); copies. Like PyTorch's {@code {n: p.grad for n, p in
     * model.named_parameters()}}.
     */
    public Map<String, Tensor> gradDict() {
        requireFp32("gradDict");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).gradDict("layers." + i + ".", out);
        }
        return out;
    }

    /** Threads for the batched products in training and sequence inference (1 by default). */
    public void setThreads(int n) {
        for (Layer l : layers) l.setThreads(n);
    }

    /** Sets every parameter's accumulated gradient to zero. */
    public void zeroGrad() {
        for (Param p : params) p.zeroGrad();
    }

    /** The params' versions summed: each only grows, so the sum changes whenever any of them does. */
    private long weightsVersion() {
        long v = 0;
        for (Param p : params) v += p.version();
        return v;
    }

    /**
     * All tensors by name, {@code layers.<i>.<name>}; copies. Refused for a {@link #quantized} copy, which has
     * no fp32 recurrent weights to give (a model file stores its own, see {@link #storedTensors()}).
     */
    public Map<String, Tensor> stateDict() {
        requireFp32("stateDict");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) layers.get(i).stateDict("layers." + i + ".", out);
        return out;
    }

    /**
     * Loads every tensor (copies); missing, extra or misshapen tensors are an error naming them. All of that
     * is checked, against the names and shapes of {@link #stateDict()}, before any layer changes: a refused
     * dict leaves every weight, and what is derived from them, as it was.
     *
     * <p>Not while other threads step or predict with this model: the weights are overwritten in place, so a
     * step running meanwhile may read some old and some new ones, and nothing detects it. To change the weights
     * of a model in service, load them into a new model and move each stream to it between two of its steps
     * ({@link ModelState#copyTo(float[])}, then {@link ModelState#copyFrom(float[])} into a state of the new model).
     *
     * @throws IllegalArgumentException naming a missing, unexpected or misshapen tensor
     * @throws IllegalStateException    on a {@link #quantized} copy
     */
    public void loadStateDict(Map<String, Tensor> sd) {
        Require.notNull("sd", sd);
        requireFp32("loadStateDict");
        StateDicts.check(sd, "", StateDicts.shapes(stateDict()), true, "");
        Map<String, Tensor> rest = new LinkedHashMap<>(sd);
        for (int i = 0; i < layers.size(); i++) layers.get(i).loadStateDict("layers." + i + ".", rest);
    }

    /**
     * An inference-only copy of this model with the gate weights of its recurrent layers stored as
     * {@code INT8} or {@code BF16} (see {@link dev.vecrnn.nn.recurrent.Recurrent#quantized}); its other
     * layers keep fp32 copies of their weights. It predicts, runs forward outside training and streams
     * ({@link #newState}, {@link #step}) as this model does, with the same thread-safety, and holds a
     * quarter (int8) or half (bf16) of the recurrent weights' bytes; a training forward is refused. This
     * model is not changed, and the copy starts with its non-finite policy.
     *
     * @throws IllegalArgumentException for FP32 or null
     * @throws IllegalStateException    when this model is already quantized
     */
    public Model quantized(Precision precision) {
        Require.notNull("precision", precision);
        if (precision == Precision.FP32) throw new IllegalArgumentException("precision: expected INT8 or BF16, got FP32");
        requireFp32("quantized");
        List<Layer> copies = new ArrayList<>();
        for (Layer l : layers) copies.add(l.quantized(precision));
        Model m = new Model(inputFeatures, copies);
        m.setNonFiniteInput(nonFiniteInput);
        return m;
    }

    /** Refuses {@code what} on a {@link #quantized} copy, in the model's words (not those of its recurrent layers). */
    private void requireFp32(String what) {
        Precision p = precision();
        if (p != Precision.FP32) {
            throw new IllegalStateException(what + ": this model is an inference-only " + p
                    + " copy (Model.quantized); use the fp32 model it was made from");
        }
    }

    /** How the recurrent weights are stored: FP32, or INT8 or BF16 for a {@link #quantized} model. */
    public Precision precision() {
        for (Layer l : layers) if (l.precision() != Precision.FP32) return l.precision();
        return Precision.FP32;
    }

    /**
     * Every tensor as a model file stores it, {@code layers.<i>.<name>}: the {@link #stateDict()} as F32 for
     * an fp32 model; a quantized model's recurrent weights as I8 with per-row scales, or BF16.
     */
    @Internal
    public Map<String, TensorData> storedTensors() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) layers.get(i).storedTensors("layers." + i + ".", out);
        return out;
    }

    /** The architecture: input features and each layer's spec. */
    public Map<String, Object> spec() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("format", "vecrnn-model/1");
        s.put("input_features", inputFeatures);
        List<Object> ls = new ArrayList<>();
        for (Layer l : layers) ls.add(l.spec());
        s.put("layers", ls);
        return s;
    }

    /** One line per layer (index, description, output features), then the parameter count, as Keras's {@code summary()}. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        int f = inputFeatures;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            f = l.outputFeatures(f);
            sb.append(String.format("%2d  %-40s -> %d%n", i, l.describe(), f));
        }
        sb.append("parameters: ").append(parameterCount());
        return sb.toString();
    }

    // ------------------------------------------------------------------ streaming

    /**
     * A new state for one stream, to advance it step by step with {@link #step}. The model must be
     * streamable: no attention pooling and no bidirectional recurrent layer (both need the whole sequence).
     * The state belongs to this model: another model, a {@link #quantized} copy of this one included, refuses it.
     *
     * @throws IllegalArgumentException for a model that cannot stream
     */
    public ModelState newState() {
        return new ModelState(this);
    }

    /**
     * One step of one stream: x {@code [F]} -> out {@code [outputFeatures]}, allocation-free. x must hold
     * exactly the model's input features (a longer array is refused, not read in part, as PyTorch refuses
     * an input of another width); out may be longer. A NaN or infinity in x is refused before the state
     * changes (see {@link #setNonFiniteInput}).
     *
     * @throws IllegalArgumentException for null, an x of another length, an out too short, a state of another
     *                                  model, or a non-finite input; the state is then unchanged
     * @throws IllegalStateException    when another thread is stepping the state
     */
    public void step(float[] x, ModelState state, float[] out) {
        ModelStreaming.step(this, x, state, out);
    }

    /**
     * Scratch space for {@link #stepMany}, for up to {@code capacity} streams at once; the model must be
     * streamable, as for {@link #newState}. One per thread; it allocates nothing once made.
     *
     * @throws IllegalArgumentException for {@code capacity < 1}, a model that cannot stream, or a capacity whose
     *                                  rows do not fit one Java array
     */
    public ModelStepWorkspace newStepWorkspace(int capacity) {
        return ModelStreaming.newStepWorkspace(this, capacity);
    }

    /**
     * The largest capacity {@link #newStepWorkspace} takes: each layer's outputs for all the streams, and each recurrent
     * layer's workspace rows, must fit one Java array. What a caller that sizes a batch of streams long before it makes the workspace checks against.
     */
    public int maxStepStreams() {
        return ModelStreaming.maxStepStreams(this);
    }

    /**
     * One step of each of n streams, every layer taking all of them at once (a recurrent layer reads its
     * weights once for the n streams): xs {@code [n, inputFeatures]} -> outs {@code [n, outputFeatures]},
     * bit for bit what n calls of {@link #step} give, allocation-free. Everything is checked before any
     * state changes: the workspace and every state are this model's, no state appears twice or is being
     * stepped by another thread, and (under {@link #setNonFiniteInput}) every input is finite, a refusal
     * naming the stream and feature.
     */
    public void stepMany(int n, float[] xs, ModelState[] states, float[] outs, ModelStepWorkspace ws) {
        ModelStreaming.stepMany(this, n, xs, states, outs, ws);
    }
}
