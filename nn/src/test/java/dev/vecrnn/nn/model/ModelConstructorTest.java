package dev.vecrnn.nn.model;

import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.layers.AttentionPooling;
import dev.vecrnn.nn.layers.Dense;
import dev.vecrnn.nn.layers.Dropout;
import dev.vecrnn.nn.layers.LastStep;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code new Model(inputFeatures, layers)} checks what its javadoc asks: layers that do not take the features
 * before them were accepted and refused only at the first predict or step, in a layer's words; an input of
 * zero features was accepted; and a layer with params given twice was accepted, its arrays then under two
 * names, so that every optimizer step updated them twice.
 */
class ModelConstructorTest {

    private static String refusal(int inputFeatures, List<Layer> layers) {
        return assertThrows(IllegalArgumentException.class, () -> new Model(inputFeatures, layers)).getMessage();
    }

    @Test
    void layersThatDoNotFitAreRefusedWhenTheModelIsMade() {
        Random r = new Random(1);
        assertEquals("layers[0] (on the model's input): inputFeatures: expected 4 (the input size of Dense(2)), got 3", refusal(3, List.of(new Dense(4, 2, Activation.LINEAR, r))));
        assertEquals("layers[1] (on the output of layers[0]): inputFeatures: expected 5 (the input size of GRU(4, sequences)), got 8",
                refusal(3, List.of(new RecurrentLayer(RecurrentConfig.of(CellType.LSTM, 3, 8), true, 1),
                        new RecurrentLayer(RecurrentConfig.of(CellType.GRU, 5, 4), true, 1))));
        assertEquals("inputFeatures: expected >= 1, got 0", refusal(0, List.of(new Dropout(0.1f))));
    }

    @Test
    void aLayerWithParamsGivenTwiceIsRefused() {
        Dense shared = new Dense(3, 3, Activation.LINEAR, new Random(1));
        assertEquals("layers[2]: expected a layer of its own, got the same object as layers[0] (Dense(3)); make another for the same shape",
                refusal(3, List.of(shared, new Dropout(0.1f), shared)));
        Dropout d = new Dropout(0.2f);
        assertEquals(2, new Model(3, List.of(d, d)).layers().size());  // no params: nothing updated twice
    }

    /**
     * A layer that reads steps after one that pooled the sequence (a recurrent layer without
     * return_sequences, then LastStep, as a hand-edited model file can say) was accepted, and the first
     * predict was refused with "last step: expected a sequence input", which the command line put on --x.
     */
    @Test
    void aLayerThatReadsStepsAfterThePoolingIsRefused() {
        Random r = new Random(2);
        RecurrentConfig lstm = RecurrentConfig.of(CellType.LSTM, 3, 4);
        assertEquals("layers[1] (LastStep): expected a sequence input, but layers[0] already pooled the sequence to one vector",
                refusal(3, List.of(new RecurrentLayer(lstm, false, 1), new LastStep())));
        assertEquals("layers[3] (GRU(2, sequences)): expected a sequence input, but layers[1] already pooled the sequence to one vector",
                refusal(3, List.of(new RecurrentLayer(lstm, true, 1), new AttentionPooling(4, r), new Dense(4, 4, Activation.TANH, r),
                        new RecurrentLayer(RecurrentConfig.of(CellType.GRU, 4, 2), true, 1))));
        assertEquals("layers[2] (AttentionPooling): expected a sequence input, but layers[1] already pooled the sequence to one vector",
                refusal(3, List.of(new RecurrentLayer(lstm, true, 1), new LastStep(), new AttentionPooling(4, r))));
        // pooling once, then dense and dropout, as every builder-made model does, is still a model
        assertEquals(4, new Model(3, List.of(new RecurrentLayer(lstm, false, 1), new Dropout(0.1f), new Dense(4, 2, Activation.LINEAR, r),
                new Dense(2, 1, Activation.LINEAR, r))).layers().size());
    }
}
