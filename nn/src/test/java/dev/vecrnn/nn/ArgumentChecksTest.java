package dev.vecrnn.nn;

import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.layers.AttentionPooling;
import dev.vecrnn.nn.layers.Dense;
import dev.vecrnn.nn.layers.Dropout;
import dev.vecrnn.nn.layers.Embedding;
import dev.vecrnn.nn.layers.Init;
import dev.vecrnn.nn.layers.LastStep;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Trainer;

import dev.vecrnn.nn.train.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The shape and range checks of the nn entry points: each wrong argument gives an IllegalArgumentException
 * whose message names the argument, what was expected and what was received. (Null arguments are covered
 * for the whole public API by {@link PublicApiArgumentsTest}.)
 */
class ArgumentChecksTest {
    private static void rejects(String expected, Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    private static Dataset regression(int n, int steps, int features) {
        return Dataset.regression(new float[n * steps * features], n, steps, features, null, new float[n], 1, false);
    }

    @Test
    void trainerOptions() {
        Trainer t = new Trainer();
        rejects("epochs: expected >= 1, got 0", () -> t.epochs(0));
        rejects("batch size: expected >= 1, got 0", () -> t.batchSize(0));
        rejects("validation split: expected in [0, 1), got 1.0", () -> t.validationSplit(1));
        rejects("validation split: expected in [0, 1), got NaN", () -> t.validationSplit(Double.NaN));
        rejects("max: expected a finite norm >= 0 (0: off), got -1.0", () -> t.clipNorm(-1));
        rejects("max: expected a finite norm >= 0 (0: off), got NaN", () -> t.clipNorm(Double.NaN));
        rejects("v: expected a finite clip value >= 0 (0: off), got Infinity", () -> t.clipValue(Double.POSITIVE_INFINITY));
        rejects("patience: expected >= 0, got -1", () -> t.earlyStopping(-1, true));
        rejects("tbptt: expected k1 >= 1 and k2 a multiple of k1, got k1 = 3, k2 = 4", () -> t.tbptt(3, 4));
        rejects("checkpoint: expected every >= 0 batches, got -2", () -> t.checkpoint(Path.of("x"), -2));
        rejects("threads: expected >= 1, got 0", () -> t.threads(0));
        // the valid extremes still pass
        assertSame(t, t.clipNorm(0).clipValue(0).validationSplit(0).earlyStopping(0, false));
    }

    @Test
    void trainerFitChecksWhatTheFactoriesMake() {
        Dataset d = regression(4, 3, 2);
        Model m = Model.builder(2).lstm(3).lastStep().dense(1).build();
        rejects("optimizer: expected the factory to make an Optimizer, got null",
                () -> new Trainer().epochs(1).optimizer(ps -> null).fit(m, d));
        rejects("schedule: expected the factory to make a Schedule, got null",
                () -> new Trainer().epochs(1).optimizer(ps -> new Sgd(ps, 0.1)).schedule(o -> null).fit(m, d));
        rejects("data: expected non-null, got null", () -> new Trainer().fit(m, null));
        // "of 1 rows" read as a slip: the count and its noun agree
        // Keras's count: floor(1 * 0.9) = 0 rows train; 1 - 1e-20 is 1.0, so all 3 rows train
        rejects("validation split: 0.1 of 1 row leaves no training rows", () -> new Trainer().epochs(1).validationSplit(0.1).fit(m, regression(1, 3, 2)));
        rejects("validation split: 1.0E-20 of 3 rows leaves no validation rows", () -> new Trainer().epochs(1).validationSplit(1e-20).fit(m, regression(3, 3, 2)));
    }

    @Test
    void modelBuilderOptionsAreCheckedWhenGiven() {
        rejects("units: expected >= 1, got 0", () -> Model.builder(3).lstm(4).dense(0));
        rejects("p: expected a dropout probability in [0, 1], got 1.5", () -> Model.builder(3).dropout(1.5f));
        rejects("p: expected a dropout probability in [0, 1], got NaN", () -> Model.builder(3).dropout(Float.NaN));
        rejects("vocab: expected >= 1, got 0", () -> Model.builder(1).embedding(0, 4));
        rejects("dim: expected >= 1, got -1", () -> Model.builder(1).embedding(5, -1));
        rejects("hiddenSize: expected >= 1, got 0", () -> Model.builder(3).lstm(0));
        rejects("projSize: expected < hiddenSize (4), got 4", () -> Model.builder(3).recurrent(CellType.LSTM, 4, 1, false, 0f, 4));
        rejects("dropout: expected in [0, 1], got -0.5", () -> Model.builder(3).recurrent(CellType.GRU, 4, 2, false, -0.5f, 0));
    }

    @Test
    void datasetConstruction() {
        rejects("x: expected 12 floats for [2, 3, 2], got 11",
                () -> Dataset.regression(new float[11], 2, 3, 2, null, new float[2], 1, false));
        rejects("x: expected shape [N >= 1, T >= 1, F >= 1], got [0, 3, 2]",
                () -> Dataset.regression(new float[0], 0, 3, 2, null, new float[0], 1, false));
        rejects("y: expected 6 values ([N, T, K] with K = 1), got 2",
                () -> Dataset.regression(new float[12], 2, 3, 2, null, new float[2], 1, true));
        rejects("y: expected 2 labels ([N]), got 3",
                () -> Dataset.classification(new float[12], 2, 3, 2, null, new int[3], false));
        rejects("y: expected float targets, got null",
                () -> Dataset.regression(new float[12], 2, 3, 2, null, null, 1, false));
        rejects("y: expected class labels, got null",
                () -> Dataset.classification(new float[12], 2, 3, 2, null, null, false));
        rejects("targetWidth: expected >= 1, got 0",
                () -> Dataset.regression(new float[12], 2, 3, 2, null, new float[0], 0, false));
        rejects("lengths: expected values in [1, 3], got 4 at index 1",
                () -> Dataset.regression(new float[12], 2, 3, 2, new int[]{3, 4}, new float[2], 1, false));
        rejects("lengths: expected 2 entries (one per sequence), got 1",
                () -> Dataset.regression(new float[12], 2, 3, 2, new int[]{3}, new float[2], 1, false));
    }

    @Test
    void datasetRowsAndRanges() {
        Dataset d = regression(4, 3, 2);
        rejects("i: expected a row in [0, 4), got 4", () -> d.lengthOf(4));
        rejects("from, to: expected 0 <= from < to <= idx.length (4), got from = 2, to = 5", () -> d.subset(Dataset.range(4), 2, 5));
        rejects("from, to: expected 0 <= from < to <= idx.length (4), got from = 2, to = 2", () -> d.subset(Dataset.range(4), 2, 2));
        rejects("idx: expected rows in [0, 4), got 7 at index 1", () -> d.subset(new int[]{0, 7}, 0, 2));
        rejects("n: expected >= 0, got -1", () -> Dataset.range(-1));
        assertEquals(2, d.subset(new int[]{3, 1}, 0, 2).size());
    }

    @Test
    void tensorShapes() {
        rejects("shape: expected dimensions >= 0, got [2, -1]", () -> Tensor.zeros(2, -1));
        rejects("data: expected 6 elements for shape [2, 3], got 5", () -> Tensor.of(new float[5], 2, 3));
        rejects("x: expected shape [5, 2, 16], got [5, 2, 15]", () -> Tensor.zeros(5, 2, 15).requireShape("x", 5, 2, 16));
        rejects("i: expected a dimension in [0, 2) of shape [2, 3], got 2", () -> Tensor.zeros(2, 3).dim(2));
        rejects("i: expected a dimension in [0, 2) of shape [2, 3], got -1", () -> Tensor.zeros(2, 3).dim(-1));
    }

    @Test
    void batchShapes() {
        rejects("data: expected 12 floats for [2, 3, 2], got 10", () -> Batch.sequences(new float[10], 2, 3, 2));
        rejects("a vector batch has T = 1, got T = 3", () -> new Batch(new float[12], 2, 3, 2, null, false));
    }

    @Test
    void denseForwardAndBackwardShapes() {
        Dense dense = new Dense(3, 4, Activation.TANH, new Random(1));
        rejects("dense: expected 3 input features, got 2", () -> dense.forward(Batch.sequences(new float[12], 2, 3, 2), false, null));
        Layer.Out out = dense.forward(Batch.sequences(new float[18], 2, 3, 3), true, new Random(2));
        rejects("dOut: expected the forward output's shape Batch[2, 3, 4], got Batch[2, 3, 3]",
                () -> dense.backward(out.cache(), Batch.sequences(new float[18], 2, 3, 3)));
        rejects("dOut: expected the forward output's shape Batch[2, 3, 4], got Batch[1, 3, 4]",
                () -> dense.backward(out.cache(), Batch.sequences(new float[12], 1, 3, 4)));
        Layer.Out other = new LastStep().forward(Batch.sequences(new float[18], 2, 3, 3), false, null);
        rejects("cache: expected the cache of a Dense(4, tanh) forward, got LastCache", () -> dense.backward(other.cache(), out.output()));
        assertEquals("Batch[2, 3, 3]", dense.backward(out.cache(), out.output()).toString(), "dx has the input's shape");
    }

    @Test
    void embeddingForwardAndBackwardShapes() {
        Embedding emb = new Embedding(5, 2, new Random(1));
        rejects("embedding: expected 1 feature (the token id) per step, got 2",
                () -> emb.forward(Batch.sequences(new float[8], 2, 2, 2), false, null));
        rejects("embedding: expected a token id in [0, 5), got 5.0 at row 1",
                () -> emb.forward(Batch.sequences(new float[]{0, 5, 1, 1}, 2, 2, 1), false, null));
        Layer.Out out = emb.forward(Batch.sequences(new float[]{0, 4, 1, 1}, 2, 2, 1), false, null);
        rejects("dOut: expected the forward output's shape Batch[2, 2, 2], got Batch[2, 2, 3]",
                () -> emb.backward(out.cache(), Batch.sequences(new float[12], 2, 2, 3)));
    }

    @Test
    void poolingAndDropoutShapes() {
        Batch x = Batch.sequences(new float[18], 2, 3, 3);
        Layer last = new LastStep();
        Layer.Out o = last.forward(x, false, null);
        rejects("dOut: expected the forward output's shape Batch[2, 3], got Batch[2, 3, 3]", () -> last.backward(o.cache(), x));
        AttentionPooling att = new AttentionPooling(3, new Random(1));
        rejects("attention: expected 3 features, got 2", () -> att.forward(Batch.sequences(new float[12], 2, 3, 2), false, null));
        Layer.Out a = att.forward(x, false, null);
        rejects("dOut: expected the forward output's shape Batch[2, 3], got Batch[1, 3]",
                () -> att.backward(a.cache(), Batch.vectors(new float[3], 1, 3)));
        rejects("dropout: expected p in [0, 1], got 1.0000001", () -> new Dropout(Math.nextUp(1f)));
        Dropout drop = new Dropout(0.5f);
        rejects("rng: expected a Random to draw the dropout mask in training, got null", () -> drop.forward(x, true, null));
        Layer.Out d = drop.forward(x, false, null);
        assertSame(x, d.output(), "inference is the identity");
        rejects("dOut: expected the forward output's shape Batch[2, 3, 3], got Batch[2, 3, 2]",
                () -> drop.backward(d.cache(), Batch.sequences(new float[12], 2, 3, 2)));
    }

    @Test
    void recurrentLayerBackwardShape() {
        RecurrentLayer rnn = new RecurrentLayer(RecurrentConfig.of(CellType.GRU, 2, 3), false, 1);
        Layer.Out o = rnn.forward(Batch.sequences(new float[12], 2, 3, 2), true, new Random(1));
        rejects("dOut: expected the forward output's shape Batch[2, 3], got Batch[2, 3, 3]",
                () -> rnn.backward(o.cache(), Batch.sequences(new float[18], 2, 3, 3)));
    }

    @Test
    void layersCheckTheInputSizeTheyAreGiven() {
        rejects("inputFeatures: expected 3 (the input size of Dense(4)), got 2", () -> new Dense(3, 4, null, new Random(1)).outputFeatures(2));
        rejects("inputFeatures: expected 1 (the input size of Embedding(5, 2)), got 3", () -> new Embedding(5, 2, new Random(1)).outputFeatures(3));
        rejects("inputFeatures: expected 2 (the input size of LSTM(3, sequences)), got 4",
                () -> new RecurrentLayer(RecurrentConfig.of(CellType.LSTM, 2, 3), true, 1).outputFeatures(4));
        rejects("inputFeatures: expected >= 1, got 0", () -> new LastStep().outputFeatures(0));
        assertEquals(4, new Dense(3, 4, null, new Random(1)).outputFeatures(3));
        rejects("l: expected a layer in [0, 2), got 2", () -> RecurrentConfig.of(CellType.GRU, 2, 3).withLayers(2).layerInput(2));
    }

    @Test
    void stateDictArguments() {
        Dense dense = new Dense(3, 4, null, new Random(1));
        Map<String, Tensor> sd = new HashMap<>();
        dense.stateDict("0.", sd);
        rejects("prefix: expected non-null, got null", () -> dense.loadStateDict(null, sd));
        rejects("state dict: missing tensors ['1.weight', '1.bias']", () -> dense.loadStateDict("1.", new HashMap<>(sd)));
        sd.put("0.bias", Tensor.zeros(5));
        rejects("0.bias: expected shape [4], got [5]", () -> dense.loadStateDict("0.", sd));
    }

    @Test
    void initRanges() {
        Random r = new Random(1);
        rejects("a: expected length >= 6 (offset 2 + 4 elements), got 5", () -> Init.uniform(new float[5], 2, 4, 1, r));
        rejects("a: expected a count >= 0, got -1", () -> Init.uniform(new float[5], 0, -1, 1, r));
        rejects("a: expected offset >= 0, got -1", () -> Init.uniform(new float[5], -1, 2, 1, r));
        rejects("bound: expected a finite value >= 0, got NaN", () -> Init.uniform(new float[5], 0, 5, Double.NaN, r));
        rejects("a: expected length >= 6 (offset 0 + 6 elements), got 5", () -> Init.xavier(new float[5], 0, 2, 3, r));
        rejects("rows, cols: expected >= 1, got [0, 3]", () -> Init.orthogonal(new float[5], 0, 0, 3, r));
    }

    @Test
    void evaluationArguments() {
        Model m = Model.builder(2).lstm(3).lastStep().dense(1).build();
        rejects("batchSize: expected >= 1, got 0", () -> Evaluation.of(m, regression(4, 3, 2), Loss.mse(), 0));
        Evaluation e = Evaluation.of(m, regression(4, 3, 2), Loss.mse(), 3);
        rejects("metric: expected one of [loss, rmse, mae, mape], got 'accuracy'", () -> e.metric("accuracy"));
        rejects("newName: expected a non-empty name, got ", () -> new Param("w", new float[2]).renamed(""));
        rejects("name: expected a loss (mse, mae, cross_entropy or bce), got null", () -> Loss.parse(null));
        rejects("logits: expected [N, C] with N = 2 (a row a target) and C >= 1, got 1 value",
                () -> Loss.crossEntropy().forward(new float[1], new int[] {0, 1}, null));
        rejects("logits: expected [N, C] with N = 2 (a row a target) and C >= 1, got 3 values",
                () -> Loss.crossEntropy().forward(new float[3], new int[] {0, 1}, null));
    }
}
