package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.helpers.NOPLogger;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fingerprint of a key's state layout: what it tells apart and what it does not, an upgrade between models
 * of the same float count and other layouts, and its cost per event.
 */
class StateLayoutTest {
    @TempDir
    Path dir;

    private int files;

    private StepModel vecrnn(int inputs, Function<ModelBuilder, ModelBuilder> layers, long seed) throws Exception {
        Path file = dir.resolve("m" + files++ + ".safetensors");
        ModelFile.save(layers.apply(Model.builder(inputs)).dense(1).seed(seed).build(), file);
        return StepModel.vecrnn(file);
    }

    private StepModel.Stepper stepper(int inputs, Function<ModelBuilder, ModelBuilder> layers, long seed) throws Exception {
        return vecrnn(inputs, layers, seed).load();
    }

    private static long fp(StepModel.Stepper s) {
        return StateLayout.fingerprint(s.stateLayout());
    }

    @Test
    void theFingerprintIsTheLayoutsNotTheWeightsOrTheInputWidth() throws Exception {
        StepModel.Stepper a = stepper(2, b -> b.lstm(8), 5), b = stepper(2, m -> m.lstm(8), 6), wide = stepper(7, m -> m.lstm(8), 5);
        assertEquals("LSTM(layers 1, directions 1, hidden 8, proj 0)", a.stateLayout());
        // pinned: savepoints keep it, so it must not change between versions or JVMs (Python's hashlib.sha256)
        assertEquals(0xafdc5ad8e72f3b3eL, fp(a));
        assertEquals(0x74630ad4e00a3cecL, StateLayout.fingerprint("GRU(layers 1, directions 1, hidden 16, proj 0)"));
        assertEquals(fp(a), fp(b), "new weights");
        assertEquals(fp(a), fp(wide), "another input width");
        // a PyTorch LSTM of 8 units lays its state out as the model's LSTM layer does
        Path torch = dir.resolve("torch-lstm8");
        PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 8), 9), torch);
        assertEquals(fp(a), fp(StepModel.pytorch(torch).load()));
    }

    @Test
    void layoutsOfTheSameFloatCountAreToldApart() throws Exception {
        List<StepModel.Stepper> sixteen = List.of(stepper(2, m -> m.lstm(8), 1), stepper(2, m -> m.gru(16), 1),
                stepper(2, m -> m.rnn(16), 1), stepper(2, m -> m.recurrent(CellType.RNN_RELU, 16, 1, false, 0f, 0), 1),
                stepper(2, m -> m.lstm(4).lstm(4), 1), stepper(2, m -> m.recurrent(CellType.LSTM, 4, 2, false, 0f, 0), 1),
                stepper(2, m -> m.gru(8).gru(8), 1), stepper(2, m -> m.gru(4).lstm(6), 1), stepper(2, m -> m.lstm(6).gru(4), 1),
                stepper(2, m -> m.recurrent(CellType.LSTM, 10, 1, false, 0f, 6), 1));
        for (int i = 0; i < sixteen.size(); i++) {
            assertEquals(16, sixteen.get(i).stateSize(), sixteen.get(i).stateLayout());
            for (int j = 0; j < i; j++) {
                assertNotEquals(fp(sixteen.get(j)), fp(sixteen.get(i)), sixteen.get(j).stateLayout() + " against " + sixteen.get(i).stateLayout());
            }
        }
    }

    private static OperatorSubtaskState oneStepOf(StepModel m, FeatureEvent e) throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new RecurrentStepFunction(m)),
                FeatureEvent::getKey, Types.STRING)) {
            h.open();
            h.processElement(e, 0);
            return h.snapshot(1, 1);
        }
    }

    private static Scored restoredAndStepped(OneInputStreamOperator<FeatureEvent, Scored> op, OperatorSubtaskState snap, FeatureEvent e) throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(op, FeatureEvent::getKey, Types.STRING)) {
            h.initializeState(snap);
            h.open();
            h.processElement(e, 0);
            h.endInput();
            return h.extractOutputValues().get(0);
        }
    }

    private static float[] fresh(StepModel m, FeatureEvent e) throws Exception {
        StepModel.Stepper s = m.load();
        float[] y = new float[s.outputs()];
        s.step(e.features, new float[s.stateSize()], y);
        return y;
    }

    // a job names its versions and gives the new model (other shapes, same float count) the old number
    @Test
    void aVersionNumberReusedForAnotherLayoutStillStartsOver() throws Exception {
        StepModel lstm8 = vecrnn(2, m -> m.lstm(8), 5).withVersion(1), gru16 = vecrnn(2, m -> m.gru(16), 6).withVersion(1);
        FeatureEvent first = new FeatureEvent("k", 1, new float[] {0.5f, -1}), next = new FeatureEvent("k", 2, new float[] {1, 0.25f});
        OperatorSubtaskState snap = oneStepOf(lstm8, first);
        Scored out = restoredAndStepped(new KeyedProcessOperator<>(new RecurrentStepFunction(gru16)), snap, next);
        assertEquals(1, out.step);
        assertArrayEquals(fresh(gru16, next), out.outputs);
        // the same model under that number steps on
        assertEquals(2, restoredAndStepped(new KeyedProcessOperator<>(new RecurrentStepFunction(lstm8)), snap, next).step);
    }

    @Test
    void theBatchedOperatorStartsOverOnAnotherLayoutAndContinuesOnTheSame() throws Exception {
        StepModel lstm8 = vecrnn(2, m -> m.lstm(8), 5), gru16 = vecrnn(2, m -> m.gru(16), 6), lstm8b = vecrnn(2, m -> m.lstm(8), 7);
        FeatureEvent first = new FeatureEvent("k", 1, new float[] {0.5f, -1}), next = new FeatureEvent("k", 2, new float[] {1, 0.25f});
        OperatorSubtaskState snap = oneStepOf(lstm8, first);
        Scored out = restoredAndStepped(new BatchedRecurrentStep(gru16, 4, 10), snap, next);
        assertEquals(1, out.step);
        assertArrayEquals(fresh(gru16, next), out.outputs);
        assertEquals(2, restoredAndStepped(new BatchedRecurrentStep(lstm8b, 4, 10), snap, next).step, "new weights, same layout");
    }

    /** Per event, while the model is unchanged: no allocation (the fingerprint was computed once, in open). */
    @Test
    void aKeysStateOfThisModelIsTakenAsItIsWithoutAllocating() throws Exception {
        StepCore core = new StepCore(vecrnn(2, m -> m.lstm(8), 5));
        core.open(new UnregisteredMetricsGroup(), NOPLogger.NOP_LOGGER);
        KeyState s = core.begin(null, 0);
        assertEquals(core.layout, s.layoutFingerprint());
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 1000; i++) assertSame(s, core.begin(s, i)); // warm up
        long before = mx.getCurrentThreadAllocatedBytes();
        KeyState last = null;
        for (int i = 0; i < 100_000; i++) last = core.begin(s, i);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertSame(s, last);
        assertTrue(allocated < 4096, allocated + " bytes allocated by 100,000 calls");
    }
}
