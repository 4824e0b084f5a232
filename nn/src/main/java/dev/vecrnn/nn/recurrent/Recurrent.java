package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.io.internal.StateDicts;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.kernels.Precision;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A stack of recurrent layers with {@code torch.nn.RNN}/{@code LSTM}/{@code GRU} semantics: parameter
 * names and shapes, gate orders (LSTM i, f, g, o; GRU r, z, n with the reset gate applied after the
 * recurrent matmul), both biases, layers, bidirectional outputs (forward then backward features),
 * {@code batch_first}, initial states, variable lengths (outputs past a sequence's end are zero and its
 * final state is the one at its last step), LSTM projection and dropout between layers in training.
 *
 * <p>Shapes, as PyTorch: x {@code [T, B, I]} ({@code [B, T, I]} when batch_first); output
 * {@code [T, B, D*Hout]}; h0 and h_n {@code [L*D, B, Hout]}; c0 and c_n {@code [L*D, B, H]}, where
 * {@code Hout} is proj_size or H. Every forward refuses T = 0 (PyTorch refuses zero-length sequences too) and
 * lengths outside [1, T], before anything is computed or written.
 *
 * <p>Threads: inference ({@link #forward}, {@link #step}, {@link #stepMany}) only reads the network, so
 * one network may serve any number of threads at once, with the same bits as one thread, as long as
 * nothing changes its weights meanwhile (training through {@link #params()}, {@link #loadStateDict},
 * {@link #initDefault}). Per-stream {@link StreamState}s are not shareable, nor are {@link StepWorkspace}s
 * and {@link SequenceWorkspace}s: each thread makes its own (a second thread using one during a call gets an
 * {@link IllegalStateException} naming the thread that holds it).
 *
 * <p>A NaN or infinity in an inference input is rejected with its position unless
 * {@link #setNonFiniteInput} chose {@link NonFiniteInput#PROPAGATE}.
 */
public final class Recurrent {
    private final RecurrentConfig config;
    final RecurrentCell[] cells;
    private final List<Param> params;

    /** A new stack with PyTorch's default initialisation, U(-1/sqrt(H), 1/sqrt(H)), drawn from the seed. */
    public Recurrent(RecurrentConfig config, long seed) {
        if (config == null) throw new IllegalArgumentException("config: expected non-null, got null");
        this.config = config;
        this.precision = Precision.FP32;
        int d = config.directions();
        this.cells = new RecurrentCell[config.numLayers() * d];
        List<Param> ps = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            for (int dir = 0; dir < d; dir++) {
                RecurrentCell c = new RecurrentCell(config, l, dir);
                cells[l * d + dir] = c;
                c.addParams(ps);
            }
        }
        this.params = Collections.unmodifiableList(ps);
        initDefault(seed);
    }

    private final Precision precision;

    /** An inference-only copy of {@code src} with its gate weights in {@code precision}; see {@link #quantized}. */
    private Recurrent(Recurrent src, Precision precision) {
        this.config = src.config;
        this.precision = precision;
        this.cells = new RecurrentCell[src.cells.length];
        for (int i = 0; i < cells.length; i++) cells[i] = new RecurrentCell(src.cells[i], precision);
        this.params = List.of();
        this.threads = src.threads;
        this.nonFiniteInput = src.nonFiniteInput;
    }

    /**
     * An inference-only copy of this network with its gate weights stored as {@code INT8} (symmetric, one
     * scale per row of {@code W_ih} and one per row of {@code W_hh}) or {@code BF16} (rounded to nearest
     * even); biases and a projection's {@code W_hr} stay fp32, as do activations and states. The copy holds no
     * fp32 copy of the gate weights (a quarter or half the bytes) and widens them in registers as each
     * product streams them. It runs every inference path of this class ({@link #forward}, {@link #step},
     * {@link #stepMany}) with the same shapes, options and thread-safety as the original; training
     * ({@link #forwardTrain}, {@link #backward}) and changing its weights are refused. This network is
     * not changed; the copy starts with its threads and non-finite policy. Outputs differ from fp32 by the
     * rounding of the weights: measured in the README.
     *
     * @throws IllegalArgumentException for FP32 or null, or a NaN or infinite parameter (naming it and where)
     * @throws IllegalStateException    when this network is already quantized
     */
    public Recurrent quantized(Precision precision) {
        Require.notNull("precision", precision);
        if (precision == Precision.FP32) throw new IllegalArgumentException("precision: expected INT8 or BF16, got FP32");
        requireTrainable("quantized");
        Kernels k = Kernels.get();
        stateDict().forEach((name, t) -> {
            float[] v = t.data();
            int i = k.firstNonFinite(v.length, v, 0);
            if (i >= 0) {
                throw new IllegalArgumentException(name + (t.rank() == 2 ? "[" + i / t.dim(1) + ", " + i % t.dim(1) + "]" : "[" + i + "]")
                        + ": expected finite parameters to quantize, got " + v[i]);
            }
        });
        return new Recurrent(this, precision);
    }

    private Recurrent(RecurrentConfig config, Precision precision, Map<String, TensorData> in) {
        this.config = config;
        this.precision = precision;
        int d = config.directions();
        this.cells = new RecurrentCell[config.numLayers() * d];
        for (int l = 0; l < config.numLayers(); l++) {
            for (int dir = 0; dir < d; dir++) cells[l * d + dir] = new RecurrentCell(config, l, dir, precision, in);
        }
        this.params = List.of();
    }

    /**
     * The tensors of a model file: for an fp32 network its {@link #stateDict()} as F32; for a quantized one
     * {@code weight_ih_l<k>} and {@code weight_hh_l<k>} in PyTorch's layout as I8 with
     * {@code weight_ih_l<k>_scale} and {@code weight_hh_l<k>_scale} (F32, one scale per row), or as BF16;
     * biases and {@code weight_hr} as F32.
     */
    @Internal
    public Map<String, TensorData> storedTensors() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        if (precision == Precision.FP32) {
            stateDict().forEach((k, v) -> out.put(k, TensorData.of(v)));
        } else {
            for (RecurrentCell c : cells) c.storedTensors(out);
        }
        return out;
    }

    /**
     * The inference-only network of {@code config} in {@code precision} (INT8 or BF16) from tensors as
     * {@link #storedTensors} writes them, named without prefix. Each is checked (dtype, shape, finite
     * non-negative scales, finite bf16 weights) and removed from {@code in}; what is left is the caller's.
     * No fp32 copy of the gate weights is made.
     *
     * @throws IllegalArgumentException naming a missing tensor or the first wrong one
     */
    @Internal
    public static Recurrent fromStored(RecurrentConfig config, Precision precision, Map<String, TensorData> in) {
        Require.notNull("config", config);
        Require.notNull("precision", precision);
        Require.notNull("in", in);
        if (precision == Precision.FP32) throw new IllegalArgumentException("precision: expected INT8 or BF16, got FP32");
        return new Recurrent(config, precision, in);
    }

    /** How the gate weights are stored: FP32 for a trainable network, INT8 or BF16 for a {@link #quantized} copy. */
    public Precision precision() {
        return precision;
    }

    private void requireTrainable(String what) {
        if (precision != Precision.FP32) {
            throw new IllegalStateException(what + ": this network is an inference-only " + precision
                    + " copy (Recurrent.quantized); use the fp32 network it was made from");
        }
    }

    /** Re-draws every weight and bias from U(-1/sqrt(H), 1/sqrt(H)) in state-dict order. */
    public void initDefault(long seed) {
        requireTrainable("initDefault");
        Random rnd = new Random(seed);
        float k = (float) (1.0 / Math.sqrt(config.hiddenSize()));
        Map<String, Tensor> sd = stateDict();
        for (Tensor t : sd.values()) {
            float[] a = t.data();
            for (int i = 0; i < a.length; i++) a[i] = (2f * rnd.nextFloat() - 1f) * k;
        }
        loadStateDict(sd);
    }

    /**
     * Fills one cell's weights in PyTorch's layout, for {@link #initWeights}: {@code wih} [G*H, inputSize] and
     * {@code whh} [G*H, outHidden] arrive zero; {@code biasIh}, {@code biasHh} [G*H] and {@code whr}
     * [outHidden, H] are the cell's own arrays with their current values (null when the stack has none).
     */
    @FunctionalInterface
    public interface CellInit {
        void init(CellType type, int hidden, int inputSize, int outHidden, float[] wih, float[] whh,
                  float[] biasIh, float[] biasHh, float[] whr);
    }

    /** Re-initialises every cell, in state-dict order (layer by layer, forward before reverse), through {@code init}. */
    public void initWeights(CellInit init) {
        requireTrainable("initWeights");
        Require.notNull("init", init);
        for (RecurrentCell c : cells) {
            int rows = c.type.gates() * c.hidden;
            float[] wih = new float[rows * c.inputSize];
            float[] whh = new float[rows * c.outHidden];
            init.init(c.type, c.hidden, c.inputSize, c.outHidden, wih, whh, c.biasIh, c.biasHh, c.whr);
            var packed = PackedGates.pack(c.type.packing, c.inputSize, c.outHidden, c.hidden, wih, whh, null, null);
            System.arraycopy(packed.weights(), 0, c.w.weights(), 0, packed.weights().length);
            c.changed();
        }
    }

    /** The configuration this network was made with (cell, sizes, layers, directions, bias, batch_first, projection). */
    public RecurrentConfig config() {
        return config;
    }

    private volatile int threads = 1;

    /** Threads for the batched products of training and sequence forwards (1 by default). */
    public void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads: expected >= 1, got " + n);
        this.threads = n;
    }

    /** The threads set by {@link #setThreads} (1 by default). */
    public int threads() {
        return threads;
    }

    private volatile NonFiniteInput nonFiniteInput = NonFiniteInput.REJECT;

    /** What inference does with a NaN or infinity in its inputs (REJECT by default). */
    public void setNonFiniteInput(NonFiniteInput policy) {
        this.nonFiniteInput = NonFiniteInput.require(policy);
    }

    /** The policy set by {@link #setNonFiniteInput} (REJECT by default). */
    public NonFiniteInput nonFiniteInput() {
        return nonFiniteInput;
    }

    /** The trainable parameters (packed gate weights, biases, projections), in a fixed order. */
    public List<Param> params() {
        return params;
    }

    /** PyTorch's state_dict: names such as weight_ih_l0, bias_hh_l1_reverse, weight_hr_l0; copies. */
    public Map<String, Tensor> stateDict() {
        requireTrainable("stateDict");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (RecurrentCell c : cells) c.stateDict(out, false);
        return out;
    }

    /**
     * How many parameters the stack has, PyTorch's {@code sum(p.numel() for p in m.parameters())}: the
     * elements of {@link #stateDict()}. A quantized copy counts as many as the network it was made from.
     */
    public long parameterCount() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (RecurrentCell c : cells) c.shapes(shapes);
        long n = 0;
        for (int[] s : shapes.values()) n += (long) s[0] * (s.length > 1 ? s[1] : 1);
        return n;
    }

    /** The accumulated gradients under the state_dict names. */
    public Map<String, Tensor> gradDict() {
        requireTrainable("gradDict");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (RecurrentCell c : cells) c.stateDict(out, true);
        return out;
    }

    /**
     * Loads PyTorch-named tensors (copies); every expected name must be present with its exact shape, and no
     * other. All of that is checked before anything is copied: a refused dict leaves the weights, and the
     * packed and transposed copies made from them, as they were.
     *
     * <p>Not while other threads step or run forward on this network: the weights are overwritten in place, so a
     * step running meanwhile may read some old and some new ones, and nothing detects it. To change the weights of
     * a network in service, load them into a new network and move each stream to it between two of its steps
     * ({@link StreamState#copyTo(float[])} from the old network's state, {@link StreamState#copyFrom(float[])} into
     * one of the new network's: a state belongs to the network that made it).
     *
     * @throws IllegalArgumentException naming a missing, unexpected or misshapen tensor
     * @throws IllegalStateException    on a {@link #quantized} copy
     */
    public void loadStateDict(Map<String, Tensor> stateDict) {
        requireTrainable("loadStateDict");
        if (stateDict == null) throw new IllegalArgumentException("state dict: expected non-null, got null");
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (RecurrentCell c : cells) c.shapes(shapes);
        StateDicts.check(stateDict, "", shapes, true, " for " + config);
        for (RecurrentCell c : cells) c.load(stateDict);
    }

    /** Brings every cell's derived weights up to date with its params' versions (see {@link Param#version()}). */
    void fresh() {
        for (RecurrentCell c : cells) c.fresh();
    }

    /** Sets every parameter's accumulated gradient to zero. */
    public void zeroGrad() {
        for (Param p : params) p.zeroGrad();
    }

    /**
     * Inference over whole sequences; lengths, h0 and c0 may be null. The steps past a sequence's length are
     * padding and ignored, as PyTorch's packed sequences ignore them: whatever they hold (NaN included) reaches
     * no output, state or check, and the output there is zero. Under {@link NonFiniteInput#REJECT}
     * a NaN or infinity in x (within each sequence's length), h0 or c0 is an error naming its position.
     * Keeps no trace; allocates the outputs and a workspace per call (the overload with a
     * {@link SequenceWorkspace} does not).
     */
    public Output forward(Tensor x, int[] lengths, Tensor h0, Tensor c0) {
        return RecurrentPass.infer(this, x, lengths, h0, c0, nonFiniteInput == NonFiniteInput.REJECT);
    }

    /** Scratch space for {@link #forward(Tensor, int[], Tensor, Tensor, Tensor, Tensor, Tensor, SequenceWorkspace)}; one thread at a time. */
    public SequenceWorkspace newSequenceWorkspace() {
        return new SequenceWorkspace(this);
    }

    /**
     * Inference over whole sequences into the caller's tensors, bit for bit what
     * {@link #forward(Tensor, int[], Tensor, Tensor)} returns, without allocating once ws has grown to the
     * largest call (steps x batch) it has served. output {@code [T, B, D*Hout]} ({@code [B, T, D*Hout]}
     * when batch_first), hN {@code [L*D, B, Hout]} and cN {@code [L*D, B, H]} (LSTM only) are overwritten;
     * any of them may be null when not wanted. hN may be h0 itself, and cN c0, to carry a state over in
     * place; otherwise an output must not share its array with another output or with x, h0 or c0.
     * lengths, h0 and c0 may be null, as for the other forward. ws must come from this network's
     * {@link #newSequenceWorkspace()} and is used by one thread at a time (a second thread gets an
     * {@link IllegalStateException} naming the holder). With more than one thread ({@link #setThreads})
     * the parallel parts still allocate their tasks.
     */
    public void forward(Tensor x, int[] lengths, Tensor h0, Tensor c0, Tensor output, Tensor hN, Tensor cN,
                        SequenceWorkspace ws) {
        if (ws == null || ws.net != this) {
            throw new IllegalArgumentException("ws: expected a workspace made by newSequenceWorkspace() of this network, got "
                    + (ws == null ? "null" : "one of another network"));
        }
        ws.enter("ws", -1);
        try {
            RecurrentPass.infer(this, x, lengths, h0, c0, output, hN, cN, ws, nonFiniteInput == NonFiniteInput.REJECT);
        } finally {
            ws.exit();
        }
    }

    /**
     * Training forward: keeps what backward needs; dropout between layers draws from {@code dropoutRng}. The
     * padding of x is ignored as by {@link #forward(Tensor, int[], Tensor, Tensor)}, in the gradients too.
     */
    public Trace forwardTrain(Tensor x, int[] lengths, Tensor h0, Tensor c0, Random dropoutRng) {
        requireTrainable("forwardTrain");
        return RecurrentPass.forward(this, x, lengths, h0, c0, dropoutRng == null ? new Random(0) : dropoutRng);
    }

    /**
     * A forward that keeps a trace as {@link #forwardTrain} does but draws no dropout between layers (the stack
     * in evaluation, inside a model that keeps what backward needs); no non-finite check.
     */
    @Internal
    public Trace forwardEval(Tensor x, int[] lengths, Tensor h0, Tensor c0) {
        return RecurrentPass.forward(this, x, lengths, h0, c0, null);
    }

    /**
     * Backpropagation through time: accumulates every parameter's gradient and returns the gradients of
     * the inputs. dhN and dcN may be null (zero). A trace may serve more than one backward (the gradients
     * accumulate), but not once the weights changed after its forward (an optimizer step, {@link
     * #loadStateDict}, {@link #initWeights}): that is an {@link IllegalStateException}, before any gradient changes.
     */
    public InputGrads backward(Trace trace, Tensor dOutput, Tensor dhN, Tensor dcN) {
        return backward(trace, dOutput, dhN, dcN, true);
    }

    /**
     * {@link #backward(Trace, Tensor, Tensor, Tensor)}, computing the gradient of x only when
     * {@code inputGrad}: without it {@link InputGrads#dx()} is null, and per direction of the first layer
     * one product as large as the weight gradient is skipped (PyTorch skips it when x does not require
     * grad). For a stack fed with data, whose input gradient nobody reads. Parameter gradients, dh0 and
     * dc0 are the same bit for bit either way.
     */
    public InputGrads backward(Trace trace, Tensor dOutput, Tensor dhN, Tensor dcN, boolean inputGrad) {
        requireTrainable("backward");
        if (trace == null || trace.owner != this) {
            throw new IllegalArgumentException("trace: expected a trace from this layer's forwardTrain, got "
                    + (trace == null ? "null" : "one from another layer"));
        }
        if (trace.version != weightsVersion()) {
            throw new IllegalStateException("trace: the weights changed after the forwardTrain that made it (an optimizer step,"
                    + " loadStateDict or initWeights), so its activations are not those of these weights; run forwardTrain again");
        }
        return RecurrentPass.backward(this, trace, dOutput, dhN, dcN, inputGrad);
    }

    /** The params' versions summed: each only grows, so the sum changes whenever any of them does. */
    private long weightsVersion() {
        long v = 0;
        for (Param p : params) v += p.version();
        return v;
    }

    // ------------------------------------------------------------------ streaming

    /**
     * A new zero state for one stream, to advance it step by step with {@link #step}. Unidirectional
     * stacks only: a bidirectional one needs the whole sequence (use {@link #forward}). The state belongs
     * to this network and to one thread at a time (see {@link StreamState}): another network, a
     * {@link #quantized} copy of this one included, refuses it.
     *
     * @throws IllegalArgumentException for a bidirectional network
     */
    public StreamState newState() {
        return Streaming.newState(this);
    }

    /**
     * Advances one stream by one step without allocating: x {@code [I]} -> out {@code [Hout]}, the top
     * layer's new h. x must hold exactly {@code I} floats (a longer array is refused, not read in part, as
     * PyTorch refuses an input of another width; {@link #step(float[], int, StreamState, float[], int)} reads
     * a row of a larger array); out may be longer. A NaN or infinity in x is refused before the state
     * changes unless {@link #setNonFiniteInput} chose {@link NonFiniteInput#PROPAGATE}.
     *
     * @throws IllegalArgumentException for null, an x of another length, an out too short, a state of another
     *                                  network, or a non-finite input; the state is then unchanged
     * @throws IllegalStateException    when another thread is stepping the state
     */
    public void step(float[] x, StreamState state, float[] out) {
        int in = config.inputSize();
        if (x != null && x.length != in) {
            throw new IllegalArgumentException("x: expected " + in + " floats (the input size), got an array of " + x.length
                    + "; step(x, xOff, state, out, outOff) reads a row of a larger array");
        }
        Streaming.step(this, x, 0, state, out, 0);
    }

    /**
     * {@link #step(float[], StreamState, float[])} reading x at {@code xOff} and writing out at
     * {@code outOff}, for streams whose inputs and outputs are rows of larger arrays: {@code x[xOff, xOff + I)}
     * and {@code out[outOff, outOff + Hout)} must lie inside the arrays (refused otherwise, the state unchanged).
     */
    public void step(float[] x, int xOff, StreamState state, float[] out, int outOff) {
        Streaming.step(this, x, xOff, state, out, outOff);
    }

    /**
     * One step without argument checks, for the layers above that checked (or own) the arguments and hold
     * the state: no non-finite check, no ownership check.
     */
    @Internal
    public void stepUnchecked(Kernels k, float[] x, int xOff, StreamState state, float[] out, int outOff) {
        Streaming.advance(k, this, x, xOff, state, out, outOff);
    }

    /**
     * {@link #stepMany} without argument checks, for the layers above that checked (or own) the arguments and
     * hold the states and the workspace: no non-finite check, no ownership check.
     */
    @Internal
    public void stepManyUnchecked(Kernels k, int n, float[] xs, StreamState[] states, float[] outs, StepWorkspace ws) {
        Streaming.advanceMany(k, this, n, xs, states, outs, ws);
    }

    /**
     * Scratch space for {@link #stepMany}, for up to {@code capacity} streams at once (unidirectional stacks
     * only); one thread at a time.
     *
     * @throws IllegalArgumentException for a bidirectional network, {@code capacity < 1}, or a capacity whose
     *                                  rows do not fit one Java array
     */
    public StepWorkspace newStepWorkspace(int capacity) {
        return Streaming.newWorkspace(this, capacity);
    }

    /**
     * The largest capacity {@link #newStepWorkspace} takes: its rows, one per stream, must fit one Java array. What a
     * caller that sizes a batch of streams long before it makes the workspace (a Flink operator built on a client) checks
     * against.
     */
    public int maxStepStreams() {
        return Streaming.MAX_ARRAY / Streaming.widestRow(this);
    }

    /**
     * Advances n streams by one step each in one pass over the weights: xs {@code [n, I]} -> outs
     * {@code [n, Hout]}, bit for bit what n calls of {@link #step} give. n is in {@code [0, ws.capacity()]}
     * (0 does nothing); states, xs and outs may be longer than n streams need and only their first n rows are
     * used. Everything is checked before any state changes: ws and the first n states are this network's, no
     * state appears twice or is being stepped by another thread, and (under {@link #setNonFiniteInput}) every
     * input is finite, a refusal naming the stream and feature.
     *
     * @throws IllegalArgumentException for an argument of another network, null, too short, or out of range
     * @throws IllegalStateException    for a state given twice, or a state or ws another thread is using
     */
    public void stepMany(int n, float[] xs, StreamState[] states, float[] outs, StepWorkspace ws) {
        Streaming.stepMany(this, n, xs, states, outs, ws);
    }

    public record Output(Tensor output, Tensor hN, Tensor cN) {
        /** cN is null but for LSTM. */
        public Output {
            Require.notNull("output", output);
            Require.notNull("hN", hN);
        }
    }

    public record InputGrads(Tensor dx, Tensor dh0, Tensor dc0) {
        /** dx is null when backward was told not to compute it; dc0 is null but for LSTM. */
        public InputGrads {
            Require.notNull("dh0", dh0);
        }
    }

    /** What a training forward keeps for backward. */
    public static final class Trace {
        final Recurrent owner;
        final int steps;
        final int batch;
        final int[] lengths;
        final float[][] dropMasks;
        final DirTrace[] dirs;
        final Tensor output;
        final Tensor hN;
        final Tensor cN;
        /** The owner's {@link #weightsVersion()} at the forward: backward refuses the trace once the weights changed. */
        final long version;

        Trace(Recurrent owner, int steps, int batch, int[] lengths, float[][] dropMasks, DirTrace[] dirs, Tensor output,
              Tensor hN, Tensor cN) {
            this.owner = owner;
            this.version = owner.weightsVersion();
            this.steps = steps;
            this.batch = batch;
            this.lengths = lengths;
            this.dropMasks = dropMasks;
            this.dirs = dirs;
            this.output = output;
            this.hN = hN;
            this.cN = cN;
        }

        /** The forward's output, {@code [T, B, D*Hout]} ({@code [B, T, D*Hout]} when batch_first). */
        public Tensor output() {
            return output;
        }

        /** The final h of every layer and direction, {@code [L*D, B, Hout]}. */
        public Tensor hN() {
            return hN;
        }

        /** Null unless LSTM. */
        public Tensor cN() {
            return cN;
        }
    }

    /**
     * One layer and direction of a trace, in step order (reversed within each sequence for direction 1). An
     * inference forward uses one as scratch with {@code ring} set: states, cells and hfull then hold only the
     * previous and the current step ({@code [2*B, P]}, {@code [2*B, H]}, {@code [B, H]}).
     */
    static final class DirTrace {
        float[] x;       // [T*B, In] the input in step order
        float[] gates;   // [T*B, O] activations
        float[] states;  // [(T+1)*B, P] h0, then h after each step (carried past a sequence's end)
        float[] cells;   // [(T+1)*B, H] LSTM c0, then c after each step
        float[] hfull;   // [T*B, H] projected LSTM: o * tanh(c) before the projection
        boolean ring;    // states and cells in two slots used in turn (step s in slot s & 1), hfull in one
    }
}
