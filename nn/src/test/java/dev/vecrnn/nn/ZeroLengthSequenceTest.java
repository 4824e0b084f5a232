package dev.vecrnn.nn;

import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.SequenceWorkspace;
import dev.vecrnn.nn.train.Dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A sequence of zero steps is refused everywhere, as PyTorch refuses it ("Expected sequence length to be
 * larger than 0 in RNN"), with a message naming the input, before anything is written; lengths must lie in [1, T].
 */
class ZeroLengthSequenceTest {

    private static void refused(String message, Executable run) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
        assertEquals(message, e.getMessage());
    }

    @Test
    void everyRecurrentForwardRefusesZeroSteps() {
        for (boolean batchFirst : new boolean[] {false, true}) {
            Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 4).withLayers(2).withBatchFirst(batchFirst), 1);
            Tensor x = batchFirst ? Tensor.zeros(2, 0, 3) : Tensor.zeros(0, 2, 3);
            String shape = batchFirst ? "[2, 0, 3]" : "[0, 2, 3]";
            String msg = "x: expected at least one step (T >= 1), got shape " + shape;
            refused(msg, () -> net.forward(x, null, null, null));
            refused(msg, () -> net.forwardTrain(x, null, null, null, new Random(1)));
            // the workspace forward writes nothing: the state carried in place and the output stay as they were
            Tensor h = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 2, 2, 4);
            Tensor c = h.copy();
            Tensor out = batchFirst ? Tensor.zeros(2, 0, 4) : Tensor.zeros(0, 2, 4);
            float[] hBefore = h.data().clone();
            SequenceWorkspace ws = net.newSequenceWorkspace();
            refused(msg, () -> net.forward(x, null, h, c, out, h, c, ws));
            refused(msg, () -> net.forward(x, new int[] {1, 1}, h, c, out, h, c, ws));
            assertArrayEquals(hBefore, h.data(), 0f);
            assertArrayEquals(hBefore, c.data(), 0f);
        }
    }

    @Test
    void batchesAndDatasetsRefuseZeroStepsAndLengthsOutsideOneToT() {
        refused("batch shape: expected at least one step (T >= 1), got [2, 0, 3]", () -> Batch.sequences(new float[0], 2, 0, 3));
        refused("batch shape: expected at least one step (T >= 1), got [2, 0, 3]", () -> Batch.sequences(new float[0], 2, 0, 3, new int[2]));
        refused("x: expected at least one step (T >= 1), got [2, 0, 1]",
                () -> Dataset.regression(new float[0], 2, 0, 1, null, new float[2], 1, false));
        refused("x: expected at least one step (T >= 1), got [2, 0, 1]",
                () -> Dataset.classification(new float[0], 2, 0, 1, null, new int[2], false));
        for (int bad : new int[] {0, -1, 4}) {
            String msg = "lengths: expected values in [1, 3], got " + bad + " at index 1";
            refused(msg, () -> Batch.sequences(new float[6], 2, 3, 1, new int[] {3, bad}));
            refused(msg, () -> Dataset.regression(new float[6], 2, 3, 1, new int[] {3, bad}, new float[2], 1, false));
            Recurrent net = new Recurrent(RecurrentConfig.of(CellType.GRU, 1, 2), 1);
            refused(msg, () -> net.forward(Tensor.zeros(3, 2, 1), new int[] {3, bad}, null, null));
        }
    }

    @Test
    void modelsSeeOnlyBatchesOfOneStepOrMore() {
        // Model.predict and Model.forward take a Batch, which cannot hold T = 0; one step is the least they run
        Model m = Model.builder(1).embedding(4, 2).gru(3).lastStep().dense(2).seed(1).build();
        Batch one = Batch.sequences(new float[] {1, 3}, 2, 1, 1);
        float[] y = m.predict(one).data();
        assertEquals(4, y.length);
        float[] step = new float[2];
        m.step(new float[] {3}, m.newState(), step);
        assertArrayEquals(Arrays.copyOfRange(y, 2, 4), step, 1e-6f);
    }
}
