package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's options in Flink's test harness, where processing time is set by hand: the idle reset, the
 * sequence-length cap, a restore under another model version, refused events, and the state serializer.
 */
class OperatorOptionsTest {
    @TempDir
    Path dir;

    private StepModel model(int hidden, long seed) throws Exception {
        Path file = dir.resolve("m-" + hidden + "-" + seed + ".safetensors");
        ModelFile.save(Model.builder(3).lstm(hidden).dense(2).seed(seed).build(), file);
        return StepModel.vecrnn(file);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, Scored> harness(RecurrentStepFunction f) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), FeatureEvent::getKey, Types.STRING);
    }

    /** A harness whose operator registers its metrics in {@code metrics}, where the test reads them by name. */
    private static KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, Scored> harness(RecurrentStepFunction f,
                                                                                             InterceptingOperatorMetricGroup metrics) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), FeatureEvent::getKey, Types.STRING, environment(metrics));
    }

    /** A task environment whose operators register their metrics in {@code metrics}. */
    static MockEnvironment environment(InterceptingOperatorMetricGroup metrics) {
        InterceptingTaskMetricGroup task = new InterceptingTaskMetricGroup() {
            @Override
            public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name, Map<String, String> info) {
                return metrics;
            }
        };
        return new MockEnvironmentBuilder().setMetricGroup(task).build();
    }

    private static final Random R = new Random(3);

    private static FeatureEvent ev(String key, long id) {
        return new FeatureEvent(key, id, new float[] {R.nextFloat(), R.nextFloat(), R.nextFloat()});
    }

    /** The outputs the harness collected since the last call, emptied. */
    private static List<Scored> drain(KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, Scored> h) {
        List<Scored> out = new ArrayList<>(h.extractOutputValues());
        h.getOutput().clear();
        return out;
    }

    /** One step of a fresh state on x, through the model's stepper. */
    private static float[] fresh(StepModel m, float[] x) throws Exception {
        StepModel.Stepper s = m.load();
        float[] y = new float[s.outputs()];
        s.step(x, new float[s.stateSize()], y);
        return y;
    }

    @Test
    void anIdleKeyStartsOverAndAnActiveOneDoesNot() throws Exception {
        StepModel m = model(8, 1);
        try (var h = harness(new RecurrentStepFunction(m).resetAfterIdle(1000))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(ev("a", 1), 0);
            h.setProcessingTime(500);
            h.processElement(ev("a", 2), 0);
            h.processElement(ev("b", 3), 0);
            h.setProcessingTime(1200); // the first event's timer (1000) must have been replaced by 1500
            h.processElement(ev("a", 4), 0);
            assertEquals(List.of(1L, 2L, 1L, 3L), drain(h).stream().map(s -> s.step).toList());
            h.setProcessingTime(1600); // b idle since 500: cleared; a active since 1200: kept
            FeatureEvent b = ev("b", 5), a = ev("a", 6);
            h.processElement(b, 0);
            h.processElement(a, 0);
            List<Scored> out = drain(h);
            assertEquals(1, out.get(0).step, "b starts over");
            assertArrayEquals(fresh(m, b.features), out.get(0).outputs, "b's outputs are a fresh state's");
            assertEquals(4, out.get(1).step, "a continues");
        }
    }

    @Test
    void maxStepsRestartsAKeyEveryNSteps() throws Exception {
        StepModel m = model(8, 2);
        try (var h = harness(new RecurrentStepFunction(m).maxSteps(3))) {
            h.open();
            List<FeatureEvent> evs = new ArrayList<>();
            for (int i = 0; i < 7; i++) evs.add(ev("k", i));
            for (FeatureEvent e : evs) h.processElement(e, 0);
            List<Scored> out = drain(h);
            assertEquals(List.of(1L, 2L, 3L, 1L, 2L, 3L, 1L), out.stream().map(s -> s.step).toList());
            assertArrayEquals(fresh(m, evs.get(3).features), out.get(3).outputs);
            assertArrayEquals(fresh(m, evs.get(6).features), out.get(6).outputs);
        }
    }

    private OperatorSubtaskState threeStepsOf(StepModel m, List<FeatureEvent> evs) throws Exception {
        try (var h = harness(new RecurrentStepFunction(m))) {
            h.open();
            for (FeatureEvent e : evs) h.processElement(e, 0);
            return h.snapshot(1, 1);
        }
    }

    @Test
    void aRestoreUnderAnotherModelContinuesOrStartsOverAsAsked() throws Exception {
        StepModel v1 = model(8, 3), v2 = model(8, 4), wider = model(9, 4);
        List<FeatureEvent> evs = List.of(ev("k", 1), ev("k", 2), ev("k", 3));
        FeatureEvent next = ev("k", 4);
        OperatorSubtaskState snap = threeStepsOf(v1, evs);

        // same sizes, new weights, CONTINUE_IF_SAME_SIZE (the default): v2 steps on from v1's state
        StepModel.Stepper s1 = v1.load(), s2 = v2.load();
        float[] state = new float[s1.stateSize()], y = new float[2];
        for (FeatureEvent e : evs) s1.step(e.features, state, y);
        s2.step(next.features, state, y);
        try (var h = harness(new RecurrentStepFunction(v2))) {
            h.initializeState(snap);
            h.open();
            h.processElement(next, 0);
            Scored out = drain(h).get(0);
            assertEquals(4, out.step);
            assertArrayEquals(y, out.outputs);
        }
        // RESET: starts over
        try (var h = harness(new RecurrentStepFunction(v2).onModelChange(RecurrentStepFunction.ModelChange.RESET))) {
            h.initializeState(snap);
            h.open();
            h.processElement(next, 0);
            Scored out = drain(h).get(0);
            assertEquals(1, out.step);
            assertArrayEquals(fresh(v2, next.features), out.outputs);
        }
        // another state size: starts over even when asked to continue
        try (var h = harness(new RecurrentStepFunction(wider))) {
            h.initializeState(snap);
            h.open();
            h.processElement(next, 0);
            Scored out = drain(h).get(0);
            assertEquals(1, out.step);
            assertArrayEquals(fresh(wider, next.features), out.outputs);
        }
        // the same model: continues
        try (var h = harness(new RecurrentStepFunction(v1))) {
            h.initializeState(snap);
            h.open();
            h.processElement(next, 0);
            assertEquals(4, drain(h).get(0).step);
        }
    }

    @Test
    void aRefusedEventLeavesTheStateAsItWas() throws Exception {
        StepModel m = model(8, 5);
        FeatureEvent a = ev("k", 1), b = ev("k", 4);
        try (var h = harness(new RecurrentStepFunction(m))) {
            h.open();
            h.processElement(a, 0);
            h.processElement(new FeatureEvent("k", 2, new float[] {1, Float.POSITIVE_INFINITY, 0}), 0);
            h.processElement(new FeatureEvent("k", 3, new float[] {1, 2}), 0);
            h.processElement(new FeatureEvent("k", 5, null), 0);
            h.processElement(b, 0);
            List<Scored> out = drain(h);
            StepModel.Stepper s = m.load();
            float[] state = new float[s.stateSize()], y = new float[2];
            s.step(a.features, state, y);
            s.step(b.features, state, y);
            assertEquals(2, out.get(1).step);
            assertArrayEquals(y, out.get(1).outputs);
            List<String> reasons = h.getSideOutput(RecurrentStepFunction.REFUSED).stream().map(r -> r.getValue().id + ": " + r.getValue().reason).toList();
            assertEquals(List.of("2: feature 1 is Infinity, expected a finite number", "3: expected 3 features, got 2", "5: no features"), reasons);
        }
    }

    @Test
    void theStateSerializerRoundTripsEveryBitAndRefusesAForeignCount() throws Exception {
        float[] f = {1.5f, -0f, Float.MIN_VALUE, Float.intBitsToFloat(0x7fc00001), 3e38f};
        KeyState s = new KeyState(0xFEEDL, 0x8000_0000_0000_0001L, 42, 1234, f);
        DataOutputSerializer out = new DataOutputSerializer(64);
        KeyStateSerializer.INSTANCE.serialize(s, out);
        assertEquals(36 + 4 * f.length, out.length());
        KeyState back = KeyStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertEquals(0xFEEDL, back.modelVersion());
        assertEquals(0x8000_0000_0000_0001L, back.layoutFingerprint());
        assertEquals(42, back.steps());
        assertEquals(1234, back.lastSeen);
        for (int i = 0; i < f.length; i++) assertEquals(Float.floatToRawIntBits(f[i]), Float.floatToRawIntBits(back.state()[i]));
        // the snapshot restores the same serializer
        assertTrue(KeyStateSerializer.INSTANCE.snapshotConfiguration().restoreSerializer() == KeyStateSerializer.INSTANCE);
        DataOutputSerializer bad = new DataOutputSerializer(64);
        for (int i = 0; i < 4; i++) bad.writeLong(1);
        bad.writeInt(-5);
        var e = assertThrows(java.io.IOException.class, () -> KeyStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(bad.getCopyOfBuffer())));
        assertTrue(e.getMessage().contains("float count -5"), e.getMessage());
    }

    @Test
    void theMetricsCountStepsRefusalsResetsAndModelChangesAndTimeTheSteps() throws Exception {
        StepModel v1 = model(8, 7), v2 = model(8, 8);
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        OperatorSubtaskState snap;
        try (var h = harness(new RecurrentStepFunction(v1).maxSteps(2), metrics)) {
            h.open();
            for (int i = 0; i < 5; i++) h.processElement(ev("a", i), 0);                      // 5 steps, resets after 2 and 4
            h.processElement(new FeatureEvent("a", 9, new float[] {Float.NaN, 0, 0}), 0);     // refused
            h.processElement(ev("b", 10), 0);
            assertEquals(6, ((Counter) metrics.get("vecrnnSteps")).getCount());
            assertEquals(1, ((Counter) metrics.get("vecrnnRefused")).getCount());
            assertEquals(2, ((Counter) metrics.get("vecrnnResets")).getCount());
            assertEquals(0, ((Counter) metrics.get("vecrnnModelChanges")).getCount());
            Histogram nanos = (Histogram) metrics.get("vecrnnStepNanos");
            assertEquals(6, nanos.getCount());
            assertTrue(nanos.getStatistics().getMin() > 0, "step times are positive");
            snap = h.snapshot(1, 1);
        }
        InterceptingOperatorMetricGroup metrics2 = new InterceptingOperatorMetricGroup();
        try (var h = harness(new RecurrentStepFunction(v2), metrics2)) {
            h.initializeState(snap);
            h.open();
            h.processElement(ev("a", 11), 0);
            h.processElement(ev("b", 12), 0);
            h.processElement(ev("b", 13), 0);
            assertEquals(2, ((Counter) metrics2.get("vecrnnModelChanges")).getCount(), "a and b met the new model once each");
            assertEquals(0, ((Counter) metrics2.get("vecrnnResets")).getCount(), "same sizes: continued");
        }
    }

    @Test
    void optionsRefuseNonsense() throws Exception {
        StepModel m = model(8, 6);
        assertThrows(IllegalArgumentException.class, () -> new RecurrentStepFunction(null));
        assertThrows(IllegalArgumentException.class, () -> new RecurrentStepFunction(m).resetAfterIdle(-1));
        assertThrows(IllegalArgumentException.class, () -> new RecurrentStepFunction(m).maxSteps(-1));
        assertThrows(IllegalArgumentException.class, () -> new RecurrentStepFunction(m).onModelChange(null));
    }
}
