package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.layers.AttentionPooling;
import dev.vecrnn.nn.layers.Dense;
import dev.vecrnn.nn.layers.Dropout;
import dev.vecrnn.nn.layers.Embedding;
import dev.vecrnn.nn.layers.Init;
import dev.vecrnn.nn.layers.LastStep;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds a {@link Model} layer by layer, Keras-style:
 * <pre>{@code
 * Model m = Model.builder(1).embedding(vocab, 32).lstm(128).lstm(128).lastStep().dense(classes).seed(7).build();
 * }</pre>
 * Recurrent layers return sequences; add {@link #lastStep()} or {@link #attention()} for many-to-one.
 * The seed fixes every initial weight.
 */
public final class ModelBuilder {
    /** How weights start. */
    public enum InitScheme {
        /** PyTorch's defaults: U(-1/sqrt(fan), 1/sqrt(fan)) for recurrent and dense layers, N(0, 1) embeddings. */
        PYTORCH,
        /**
         * Keras's: Xavier/Glorot uniform input and dense weights, orthogonal recurrent weights, zero biases, LSTM forget-gate
         * bias 1, embeddings U(-0.05, 0.05) (Keras's {@code 'uniform'}).
         */
        KERAS
    }

    private final int inputFeatures;
    private final List<java.util.function.Function<Random, Layer>> makers = new ArrayList<>();
    private final List<Integer> featuresAt = new ArrayList<>();
    private int features;
    /** The backward direction's features when the sequence is a bidirectional layer's output (dropout between), else 0. */
    private int backwardFeatures;
    private boolean sequence = true;
    private long seed = 0;
    private InitScheme init = InitScheme.PYTORCH;

    ModelBuilder(int inputFeatures) {
        if (inputFeatures < 1) throw new IllegalArgumentException("input features: expected >= 1, got " + inputFeatures);
        this.inputFeatures = inputFeatures;
        this.features = inputFeatures;
    }

    /** The seed every initial weight is drawn from (0 by default), read at {@link #build()}. */
    public ModelBuilder seed(long s) {
        this.seed = s;
        return this;
    }

    /** The initialisation of every layer, whenever it is called (read at {@link #build()}, like the seed). */
    public ModelBuilder init(InitScheme scheme) {
        Require.notNull("scheme", scheme);
        this.init = scheme;
        return this;
    }

    private ModelBuilder add(java.util.function.Function<Random, Layer> maker, int outFeatures, boolean outSequence) {
        backwardFeatures = 0;
        featuresAt.add(features);
        makers.add(maker);
        features = outFeatures;
        sequence = outSequence;
        return this;
    }

    private void requireSequence(String what) {
        if (!sequence) throw new IllegalStateException(what + ": expected a sequence input, but the model already pooled its sequence");
    }

    /**
     * A lookup of {@code dim} floats per token id in {@code [0, vocab)}, as {@code nn.Embedding}; the first layer
     * only, on a model of 1 input feature (the id, as a float).
     */
    public ModelBuilder embedding(int vocab, int dim) {
        if (vocab < 1) throw new IllegalArgumentException("vocab: expected >= 1, got " + vocab);
        if (dim < 1) throw new IllegalArgumentException("dim: expected >= 1, got " + dim);
        if (features != 1) throw new IllegalStateException("embedding: expected 1 input feature (token ids), got " + features);
        requireSequence("embedding");
        return add(r -> {
            Embedding e = new Embedding(vocab, dim, r);
            // Keras's Embedding draws embeddings_initializer='uniform', U(-0.05, 0.05), where PyTorch's nn.Embedding draws N(0, 1)
            if (init == InitScheme.KERAS) Init.uniform(e.params().get(0).data(), 0, vocab * dim, 0.05, r);
            return e;
        }, dim, true);
    }

    /** One LSTM layer of {@code hidden} units returning sequences: {@code recurrent(LSTM, hidden, 1, false, 0, 0)}. */
    public ModelBuilder lstm(int hidden) {
        return recurrent(CellType.LSTM, hidden, 1, false, 0f, 0);
    }

    /** One GRU layer of {@code hidden} units returning sequences. */
    public ModelBuilder gru(int hidden) {
        return recurrent(CellType.GRU, hidden, 1, false, 0f, 0);
    }

    /** One Elman RNN layer (tanh) of {@code hidden} units returning sequences. */
    public ModelBuilder rnn(int hidden) {
        return recurrent(CellType.RNN_TANH, hidden, 1, false, 0f, 0);
    }

    /** A recurrent stack returning sequences (layers share hidden size; dropout between them in training). */
    public ModelBuilder recurrent(CellType type, int hidden, int layers, boolean bidirectional, float dropout, int projSize) {
        Require.notNull("type", type);
        requireSequence(type.name());
        RecurrentConfig cfg = new RecurrentConfig(type, features, hidden, layers, true, true, bidirectional, dropout, projSize);
        return add(r -> {
            RecurrentLayer l = new RecurrentLayer(cfg, true, r.nextLong());
            if (init == InitScheme.KERAS) {  // read at build(), like the seed: the order of the calls does not matter
                l.recurrent().initWeights((type1, h, in, outH, wih, whh, bih, bhh, whr) -> kerasInit(r, type1, h, in, outH, wih, whh, bih, bhh, whr));
            }
            return l;
        }, cfg.outputSize(), true).backward(bidirectional ? cfg.outputSize() / 2 : 0);
    }

    private ModelBuilder backward(int f) {
        backwardFeatures = f;
        return this;
    }

    /**
     * Keras's defaults for one cell: Glorot-uniform input weights, zero biases (LSTM forget gate 1), and recurrent weights
     * orthogonal as one matrix, as Keras draws its {@code recurrent_kernel [h, gates * h]} (orthonormal rows: here, in
     * PyTorch's layout {@code [gates * h, h]}, orthonormal columns), not gate by gate: each gate's block is a part of an
     * orthogonal matrix, about half as large as an orthogonal block of its own would be (for 4 gates).
     */
    private static void kerasInit(Random r, CellType type, int h, int inputSize, int outHidden, float[] wih, float[] whh,
                                  float[] biasIh, float[] biasHh, float[] whr) {
        int g = type.gates(), rows = g * h;
        Init.xavier(wih, 0, rows, inputSize, r);
        Init.orthogonal(whh, 0, rows, outHidden, r);
        if (biasIh != null) {
            java.util.Arrays.fill(biasIh, 0f);
            java.util.Arrays.fill(biasHh, 0f);
            if (type == CellType.LSTM) java.util.Arrays.fill(biasIh, h, 2 * h, 1f);
        }
        if (whr != null) Init.xavier(whr, 0, outHidden, h, r);
    }

    /**
     * Zeroes each feature with probability {@code p} in training (scaling the rest by {@code 1/(1-p)}); the identity in
     * inference and streaming. {@code p} in [0, 1], as {@code torch.nn.Dropout} takes it (at 1 every feature is zeroed).
     */
    public ModelBuilder dropout(float p) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("p: expected a dropout probability in [0, 1], got " + p);
        int backward = backwardFeatures;
        return add(r -> new Dropout(p), features, sequence).backward(backward);
    }

    /** Many-to-one: each sequence's output at its last valid step. */
    public ModelBuilder lastStep() {
        requireSequence("lastStep");
        return add(r -> new LastStep(), features, false);
    }

    /**
     * Many-to-one on each direction's final output, as PyTorch's {@code h_n} of the last layer and Keras's
     * {@code return_sequences=False} (also under {@code Bidirectional}) give it: {@link #lastStep()}, except
     * after a bidirectional recurrent layer, whose backward direction ends at step 0 and is read there
     * ({@link LastStep#finalStates}); at the last step that direction has seen one step only.
     */
    public ModelBuilder finalStates() {
        requireSequence("finalStates");
        int backward = backwardFeatures;
        return backward == 0 ? lastStep() : add(r -> LastStep.finalStates(backward), features, false);
    }

    /** Many-to-one: a learned softmax-weighted sum over the valid steps. */
    public ModelBuilder attention() {
        requireSequence("attention");
        int f = features;
        return add(r -> new AttentionPooling(f, r), features, false);
    }

    /** A linear layer of {@code units} outputs, applied at every step of a sequence or to a pooled vector. */
    public ModelBuilder dense(int units) {
        return dense(units, Activation.LINEAR);
    }

    /** {@link #dense(int)} followed by {@code act}. */
    public ModelBuilder dense(int units, Activation act) {
        if (units < 1) throw new IllegalArgumentException("units: expected >= 1, got " + units);
        int in = features;
        return add(r -> {
            Dense d = new Dense(in, units, act, r);
            if (init == InitScheme.KERAS) {
                Init.xavier(d.weight().data(), 0, units, in, r);
                java.util.Arrays.fill(d.bias().data(), 0f);
            }
            return d;
        }, units, sequence);
    }

    /**
     * The model, its weights drawn from the seed: every call builds a new model with the same weights.
     *
     * @throws IllegalStateException when no layer was added
     */
    public Model build() {
        if (makers.isEmpty()) throw new IllegalStateException("model: expected at least one layer");
        Random r = new Random(seed);
        List<Layer> layers = new ArrayList<>();
        for (var m : makers) layers.add(m.apply(r));
        return new Model(inputFeatures, layers);
    }
}
