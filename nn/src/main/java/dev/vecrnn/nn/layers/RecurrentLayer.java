package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.io.TensorData;

import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.internal.StateDicts;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.StepWorkspace;
import dev.vecrnn.nn.recurrent.StreamState;

import dev.vecrnn.kernels.Kernels;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A {@link Recurrent} stack inside a {@link dev.vecrnn.nn.model.Model} (batch-first). With {@code returnSequences} it
 * outputs every step {@code [B, T, D*Hout]}; without, each sequence's final state of the top layer
 * (forward features at its last valid step, backward features at its first), {@code [B, D*Hout]}.
 */
public final class RecurrentLayer implements Layer {
    final Recurrent rnn;
    final boolean returnSequences;

    public RecurrentLayer(RecurrentConfig config, boolean returnSequences, long seed) {
        Require.notNull("config", config);
        this.rnn = new Recurrent(config.withBatchFirst(true), seed);
        this.returnSequences = returnSequences;
    }

    /** The wrapped stack (batch-first). */
    public Recurrent recurrent() {
        return rnn;
    }

    private record RnnCache(Recurrent.Trace trace, Batch in) implements Cache {
    }

    @Override
    public String describe() {
        RecurrentConfig c = rnn.config();
        return c.type() + "(" + c.hiddenSize() + (c.numLayers() > 1 ? ", layers=" + c.numLayers() : "")
                + (c.bidirectional() ? ", bidirectional" : "") + (c.projSize() > 0 ? ", proj=" + c.projSize() : "")
                + (returnSequences ? ", sequences" : "") + ")";
    }

    @Override
    public int outputFeatures(int inputFeatures) {
        LayerChecks.inputFeatures(this, rnn.config().inputSize(), inputFeatures);
        return rnn.config().outputSize();
    }

    @Override
    public boolean readsSteps() {
        return true;
    }

    @Override
    public boolean outputIsSequence(boolean seq) {
        return returnSequences;
    }

    @Override
    public Out forward(Batch x, boolean training, Random rng) {
        return forward(x, training, rng, null);
    }

    /**
     * Forward from a carried state {h0 [L*D, B, Hout], c0 [L*D, B, H]} (c0 null unless LSTM; the whole
     * state null: zeros), as {@link #finalState} gave it.
     */
    @Override
    @Internal
    public Out forward(Batch x, boolean training, Random rng, Tensor[] state) {
        Tensor h0 = state == null ? null : state[0], c0 = state == null ? null : state[1];
        Require.notNull("x", x);
        if (!x.sequence()) throw new IllegalArgumentException(describe() + ": expected a sequence input, got " + x);
        Tensor in = Tensor.of(x.data(), x.batch(), x.steps(), x.features());
        Recurrent.Trace t = training ? rnn.forwardTrain(in, x.lengths(), h0, c0, rng)
                : rnn.forwardEval(in, x.lengths(), h0, c0);
        Batch y = returnSequences ? new Batch(t.output().data(), x.batch(), x.steps(), rnn.config().outputSize(), x.lengths(), true)
                : Batch.vectors(lastLayerState(t.hN(), x.batch()), x.batch(), rnn.config().outputSize());
        return new Out(y, new RnnCache(t, x));
    }

    /** The final states a forward reached: {h_n, c_n} (c_n null unless LSTM). */
    @Override
    @Internal
    public Tensor[] finalState(Cache cache) {
        Recurrent.Trace t = ((RnnCache) cache).trace;
        return new Tensor[] {t.hN(), t.cN()};
    }

    private float[] lastLayerState(Tensor hN, int batch) {
        RecurrentConfig c = rnn.config();
        int d = c.directions(), p = c.outputHidden(), top = (c.numLayers() - 1) * d;
        float[] y = new float[batch * d * p];
        for (int b = 0; b < batch; b++) {
            for (int dir = 0; dir < d; dir++) System.arraycopy(hN.data(), ((top + dir) * batch + b) * p, y, (b * d + dir) * p, p);
        }
        return y;
    }

    @Override
    public Batch backward(Cache cache, Batch dOut) {
        return backward(cache, dOut, true);
    }

    /** {@link #backward(Cache, Batch)}; without inputGrad the input's gradient is not computed and null is returned. */
    @Internal
    @Override
    public Batch backward(Cache cache, Batch dOut, boolean inputGrad) {
        RnnCache c = LayerChecks.cache(this, RnnCache.class, cache);
        RecurrentConfig cfg = rnn.config();
        Batch x = c.in;
        Require.gradient(dOut, x.batch(), returnSequences ? x.steps() : 1, cfg.outputSize(), returnSequences);
        Tensor dOutput;
        Tensor dhN = null;
        if (returnSequences) {
            dOutput = Tensor.of(dOut.data(), x.batch(), x.steps(), cfg.outputSize());
        } else {
            dOutput = Tensor.zeros(x.batch(), x.steps(), cfg.outputSize());
            int d = cfg.directions(), p = cfg.outputHidden(), top = (cfg.numLayers() - 1) * d;
            dhN = Tensor.zeros(cfg.numLayers() * d, x.batch(), p);
            for (int b = 0; b < x.batch(); b++) {
                for (int dir = 0; dir < d; dir++) {
                    System.arraycopy(dOut.data(), (b * d + dir) * p, dhN.data(), ((top + dir) * x.batch() + b) * p, p);
                }
            }
        }
        Recurrent.InputGrads g = rnn.backward(c.trace, dOutput, dhN, null, inputGrad);
        return inputGrad ? x.withData(g.dx().data(), x.features()) : null;
    }

    @Internal
    @Override
    public String whyNoCarriedState() {
        return rnn.config().bidirectional()
                ? "a bidirectional layer (" + describe() + ") reads each chunk backwards from its end"
                : null;
    }

    /** PyTorch's names and layouts, as {@link Recurrent#gradDict()}. */
    @Internal
    @Override
    public void gradDict(String prefix, Map<String, Tensor> out) {
        rnn.gradDict().forEach((k, v) -> out.put(prefix + k, v));
    }

    @Override
    public List<Param> params() {
        return rnn.params();
    }

    /** A stream's step: the stack's own {@link StreamState}, advanced one step (unidirectional stacks only). */
    @Override
    @Internal
    public StepState newStepState(int index) {
        return new RecurrentStep(rnn, rnn.newState());
    }

    @Override
    @Internal
    public Object newManyStepScratch(int capacity) {
        return new ManyStepScratch(rnn.newStepWorkspace(capacity), new StreamState[capacity]);
    }

    private record ManyStepScratch(StepWorkspace ws, StreamState[] streams) {
    }

    @Override
    @Internal
    public void stepMany(Kernels k, int n, float[] in, int inWidth, StepState[] states, float[] out, int outWidth,
                         Object scratch, float[] rowIn, float[] rowOut) {
        ManyStepScratch s = (ManyStepScratch) scratch;
        for (int i = 0; i < n; i++) s.streams[i] = ((RecurrentStep) states[i]).state();
        try {
            rnn.stepManyUnchecked(k, n, in, s.streams, out, s.ws);
        } finally {
            java.util.Arrays.fill(s.streams, 0, n, null); // hold no stream past the call
        }
    }

    /** One stream of a recurrent layer: the stack's state for that stream. */
    record RecurrentStep(Recurrent rnn, StreamState state) implements StepState {
        @Override
        public void step(Kernels k, float[] in, float[] out) {
            rnn.stepUnchecked(k, in, 0, state, out, 0);
        }

        @Override
        public void reset() {
            state.reset();
        }

        @Override
        public int size() {
            return state.size();
        }

        @Override
        public void copyTo(float[] dst, int off) {
            state.copyTo(dst, off);
        }

        @Override
        public void copyFrom(float[] src, int off) {
            state.copyFrom(src, off);
        }
    }

    @Override
    @Internal
    public void setThreads(int n) {
        rnn.setThreads(n);
    }

    @Override
    public void stateDict(String prefix, Map<String, Tensor> out) {
        Require.stateDictArgs(prefix, "out", out);
        for (Map.Entry<String, Tensor> e : rnn.stateDict().entrySet()) out.put(prefix + e.getKey(), e.getValue());
    }

    @Override
    public void loadStateDict(String prefix, Map<String, Tensor> in) {
        Require.stateDictArgs(prefix, "in", in);
        rnn.loadStateDict(StateDicts.take(in, prefix, StateDicts.shapes(rnn.stateDict())));
    }

    /** The stack's {@link Recurrent#parameterCount()}, which a quantized stack has too (it has no stateDict). */
    @Override
    @Internal
    public long parameterCount() {
        return rnn.parameterCount();
    }

    @Override
    public Map<String, Object> spec() {
        RecurrentConfig c = rnn.config();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kind", "recurrent");
        s.put("type", c.type().name());
        s.put("input_size", c.inputSize());
        s.put("hidden_size", c.hiddenSize());
        s.put("num_layers", c.numLayers());
        s.put("bias", c.bias());
        s.put("bidirectional", c.bidirectional());
        s.put("dropout", (double) c.dropout());
        s.put("proj_size", c.projSize());
        s.put("return_sequences", returnSequences);
        return s;
    }

    private RecurrentLayer(Recurrent rnn, boolean returnSequences) {
        this.rnn = rnn;
        this.returnSequences = returnSequences;
    }

    /**
     * A quantized layer of {@code config} (batch-first is implied) from the tensors of a model file, named
     * without prefix: see {@link Recurrent#fromStored}, which removes what it uses from {@code in}.
     */
    @Internal
    public static RecurrentLayer fromStored(RecurrentConfig config, boolean returnSequences, Precision precision,
                                            Map<String, TensorData> in) {
        Require.notNull("config", config);
        return new RecurrentLayer(Recurrent.fromStored(config.withBatchFirst(true), precision, in), returnSequences);
    }

    @Override
    @Internal
    public Precision precision() {
        return rnn.precision();
    }

    @Override
    @Internal
    public void storedTensors(String prefix, Map<String, TensorData> out) {
        Require.notNull("prefix", prefix);
        Require.notNull("out", out);
        rnn.storedTensors().forEach((k, v) -> out.put(prefix + k, v));
    }

    /** A layer over {@link Recurrent#quantized}: inference only (a training forward is refused). */
    @Override
    @Internal
    public Layer quantized(Precision precision) {
        return new RecurrentLayer(rnn.quantized(precision), returnSequences);
    }
}
