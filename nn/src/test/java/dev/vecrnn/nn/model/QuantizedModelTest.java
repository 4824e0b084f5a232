package dev.vecrnn.nn.model;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Diffs;
import dev.vecrnn.nn.Param;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Model#quantized}: close to the fp32 model, streams as it predicts, independent of it, inference only. */
class QuantizedModelTest {

    private static Model model() {
        return Model.builder(1).embedding(30, 16).lstm(48).gru(32).dense(7).seed(21).build();
    }

    private static Batch tokens(int batch, int steps, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[batch * steps];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextInt(30);
        return Batch.sequences(x, batch, steps, 1);
    }


    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"INT8", "BF16"})
    void aQuantizedModelPredictsCloseToFp32AndStreamsAsItPredicts(Precision precision) {
        Model fp32 = model();
        Model q = fp32.quantized(precision);
        Batch x = tokens(4, 60, 3);
        float[] want = fp32.predict(x).data(), got = q.predict(x).data();
        double err = Diffs.maxAbs(got, want);
        assertTrue(err < (precision == Precision.INT8 ? 2e-2 : 1e-2), precision + ": " + err);

        // One stream stepped through the quantized model ends where its prediction does.
        ModelState state = q.newState();
        float[] out = new float[q.outputFeatures()];
        for (int t = 0; t < 60; t++) q.step(new float[] {x.data()[t]}, state, out);
        int f = q.outputFeatures(), at = q.outputIsSequence() ? 59 * f : 0;   // sample 0's last step
        float[] first = java.util.Arrays.copyOfRange(got, at, at + f);
        assertTrue(Diffs.maxAbs(out, first) < 1e-5, "step against predict: " + Diffs.maxAbs(out, first));
    }

    /** parameterCount and summary threw "stateDict: this network is an inference-only ... copy" for a quantized model. */
    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"INT8", "BF16"})
    void aQuantizedModelCountsItsParametersAndSummarisesAsTheModel(Precision precision) {
        Model fp32 = Model.builder(1).embedding(30, 16).recurrent(dev.vecrnn.nn.recurrent.CellType.LSTM, 12, 2, false, 0f, 5)
                .gru(8).recurrent(dev.vecrnn.nn.recurrent.CellType.RNN_TANH, 6, 1, true, 0f, 0).lastStep().dense(3).seed(2).build();
        long elements = 0;
        for (dev.vecrnn.nn.Tensor t : fp32.stateDict().values()) elements += t.size();
        assertEquals(elements, fp32.parameterCount());
        Model q = fp32.quantized(precision);
        assertEquals(elements, q.parameterCount());
        assertEquals(fp32.summary(), q.summary());
        dev.vecrnn.nn.recurrent.Recurrent lstm = ((dev.vecrnn.nn.layers.RecurrentLayer) fp32.layers().get(1)).recurrent();
        long lstmElements = 0;
        for (dev.vecrnn.nn.Tensor t : lstm.stateDict().values()) lstmElements += t.size();
        assertEquals(lstmElements, lstm.parameterCount());
        assertEquals(lstmElements, lstm.quantized(precision).parameterCount());
    }

    @Test
    void theCopyIsIndependentOfTheModelAndRefusesTraining() {
        Model fp32 = model();
        Model q = fp32.quantized(Precision.INT8);
        Batch x = tokens(2, 10, 4);
        float[] before = q.predict(x).data();
        for (Param p : fp32.params()) java.util.Arrays.fill(p.data(), 0.5f);
        for (Param p : fp32.params()) p.changed();
        assertArrayEquals(before, q.predict(x).data(), "changing the fp32 model changed its quantized copy");
        // in the model's words: they named Recurrent.quantized and forwardTrain, which the caller never used
        String copy = ": this model is an inference-only INT8 copy (Model.quantized); use the fp32 model it was made from";
        assertEquals("training" + copy, assertThrows(IllegalStateException.class, () -> q.forward(x, true, new Random(1))).getMessage());
        assertEquals("quantized" + copy, assertThrows(IllegalStateException.class, () -> q.quantized(Precision.BF16)).getMessage());
        assertEquals("stateDict" + copy, assertThrows(IllegalStateException.class, q::stateDict).getMessage());
        assertEquals("gradDict" + copy, assertThrows(IllegalStateException.class, q::gradDict).getMessage());
        assertEquals("loadStateDict" + copy, assertThrows(IllegalStateException.class, () -> q.loadStateDict(fp32.stateDict())).getMessage());
        // backward on an inference trace added to the gradients of the copy's dense layers
        Model.Trace inference = q.forward(x, false, null);
        assertEquals("backward" + copy, assertThrows(IllegalStateException.class,
                () -> q.backward(inference, inference.output().withData(new float[inference.output().data().length],
                        inference.output().features()))).getMessage());
        for (Param p : q.params()) for (float g : p.grad()) assertEquals(0f, g, p.name());
        dev.vecrnn.nn.train.Dataset data = dev.vecrnn.nn.train.Dataset.classification(x.data(), 2, 10, 1, null, new int[20], true);
        assertEquals("training" + copy, assertThrows(IllegalStateException.class,
                () -> new dev.vecrnn.nn.train.Trainer().epochs(1).fit(q, data)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> fp32.quantized(Precision.FP32));
    }
}
