package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The micro-batching operator: on a MiniCluster its outputs per key equal one JVM's single steps bit for bit
 * at parallelism 1, 2 and 3 (a PyTorch network and a vecrnn model, both stepped in one pass per batch); in the
 * operator harness, where processing time is set by hand, it holds events until the batch is full, the
 * oldest has waited the delay, a checkpoint barrier or a watermark comes; it keeps timestamps, refuses bad
 * events at once and resets idle keys.
 */
class BatchedRecurrentStepTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(3).build());

    @TempDir
    Path dir;

    private Recurrent pytorchLstm(Path where) throws Exception {
        Recurrent net = new Recurrent(new RecurrentConfig(CellType.LSTM, 4, 12, 2, true, false, false, 0f, 0), 5);
        PyTorchFormat.write(net, where);
        return net;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aPyTorchNetworkSteppedInBatchesGivesEachKeyItsSingleStepsBitForBit(int parallelism) throws Exception {
        Recurrent net = pytorchLstm(dir);
        StepModel model = StepModel.pytorch(dir);
        List<FeatureEvent> events = RecurrentStepFunctionTest.events(4, 21);
        // 13 keys and batches of up to 32: most batches hold a key more than once
        RecurrentStepFunctionTest.Run run = RecurrentStepFunctionTest.run(
                keyed -> new BatchedRecurrentStep(model, 32, 20).applyTo(keyed), events, parallelism);
        RecurrentStepFunctionTest.assertSameOutputs(RecurrentStepFunctionTest.networkSteps(net, events), run.scored());
        long bad = events.stream().filter(e -> e.id % 17 == 0 || e.id % 17 == 8).count();
        assertEquals(bad, run.refused().size(), "every bad event refused, once");
    }

    // stepped in one pass per batch too (Model.stepMany); an LSTM of 40 units has ten vectors of gate rows at
    // 512 bits, past the eight from which the batch-1 product groups them
    @Test
    void aVecrnnModelSteppedInBatchesGivesEachKeyItsSingleStepsBitForBit() throws Exception {
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(Model.builder(5).lstm(40).dense(2).seed(8).build(), file);
        StepModel model = StepModel.vecrnn(file);
        List<FeatureEvent> events = RecurrentStepFunctionTest.events(5, 23);
        RecurrentStepFunctionTest.Run run = RecurrentStepFunctionTest.run(
                keyed -> new BatchedRecurrentStep(model, 8, 20).applyTo(keyed), events, 2);
        RecurrentStepFunctionTest.assertSameOutputs(RecurrentStepFunctionTest.offline(model.load(), events), run.scored());
    }

    // ------------------------------------------------------------------ the harness

    private static final Random R = new Random(4);

    private static FeatureEvent ev(String key, long id) {
        return new FeatureEvent(key, id, new float[] {R.nextFloat(), R.nextFloat(), R.nextFloat(), R.nextFloat()});
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, Scored> harness(BatchedRecurrentStep op,
                                                                                             InterceptingOperatorMetricGroup metrics) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(op, FeatureEvent::getKey, Types.STRING, OperatorOptionsTest.environment(metrics));
    }

    private static List<Scored> drain(KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, Scored> h) {
        List<Scored> out = new ArrayList<>(h.extractOutputValues());
        h.getOutput().clear();
        return out;
    }

    /** What one step per event gives, per key from a fresh state, through the model's own stepper. */
    private static Map<Long, float[]> singleSteps(StepModel m, List<FeatureEvent> events) throws Exception {
        StepModel.Stepper s = m.load();
        Map<String, float[]> states = new HashMap<>();
        Map<Long, float[]> out = new HashMap<>();
        for (FeatureEvent e : events) {
            float[] y = new float[s.outputs()];
            s.step(e.features, states.computeIfAbsent(e.key, k -> new float[s.stateSize()]), y);
            out.put(e.id, y);
        }
        return out;
    }

    @Test
    void eventsAreHeldUntilTheBatchIsFullOrTheOldestHasWaitedTheDelay() throws Exception {
        pytorchLstm(dir);
        StepModel m = StepModel.pytorch(dir);
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        List<FeatureEvent> evs = List.of(ev("a", 1), ev("b", 2), ev("a", 3), ev("c", 4), ev("b", 5), ev("a", 6));
        Map<Long, float[]> want = singleSteps(m, evs);
        try (var h = harness(new BatchedRecurrentStep(m, 4, 100), metrics)) {
            h.open();
            h.setProcessingTime(0);
            for (int i = 0; i < 3; i++) h.processElement(evs.get(i), 10 + i);
            assertTrue(drain(h).isEmpty(), "3 of 4: held");
            h.processElement(evs.get(3), 13);
            List<StreamRecord<? extends Scored>> records = new ArrayList<>();
            for (Object o : h.getOutput()) records.add(castRecord(o));
            List<Scored> out = drain(h);
            assertEquals(4, out.size(), "the fourth fills the batch");
            for (Scored s : out) assertArrayEquals(want.get(s.id), s.outputs, "event " + s.id);
            for (StreamRecord<? extends Scored> r : records) assertEquals(9 + r.getValue().id, r.getTimestamp(), "timestamp kept");
            // a's two events: a later pass, in order
            assertEquals(List.of(1L, 2L), out.stream().filter(s -> s.key.equals("a")).map(s -> s.step).toList());

            h.setProcessingTime(50);
            h.processElement(evs.get(4), 14);
            h.setProcessingTime(120);
            h.processElement(evs.get(5), 15);
            assertTrue(drain(h).isEmpty(), "the oldest has waited 70 of 100 ms");
            h.setProcessingTime(150);
            out = drain(h);
            assertEquals(List.of(5L, 6L), out.stream().map(s -> s.id).sorted().toList(), "the oldest waited 100 ms: all held are stepped");
            for (Scored s : out) assertArrayEquals(want.get(s.id), s.outputs, "event " + s.id);
            Histogram sizes = (Histogram) metrics.get("vecrnnBatchSize");
            assertEquals(3, sizes.getCount(), "passes: {a, b, c} then {a}, then {b, a}");
        }
    }

    @SuppressWarnings("unchecked")
    private static StreamRecord<? extends Scored> castRecord(Object o) {
        assertInstanceOf(StreamRecord.class, o);
        return (StreamRecord<? extends Scored>) o;
    }

    @Test
    void aCheckpointBarrierOrAWatermarkStepsWhatIsHeldFirst() throws Exception {
        pytorchLstm(dir);
        StepModel m = StepModel.pytorch(dir);
        try (var h = harness(new BatchedRecurrentStep(m, 64, 60_000), new InterceptingOperatorMetricGroup())) {
            h.open();
            h.processElement(ev("a", 1), 0);
            h.processElement(ev("b", 2), 0);
            h.prepareSnapshotPreBarrier(1);
            assertEquals(2, drain(h).size(), "stepped before the barrier");
            h.processElement(ev("a", 3), 0);
            h.processWatermark(new Watermark(5));
            List<Object> out = new ArrayList<>(h.getOutput());
            assertEquals(2, out.size());
            assertInstanceOf(StreamRecord.class, out.get(0), "the held event's output first");
            assertEquals(new Watermark(5), out.get(1), "then the watermark");
        }
    }

    @Test
    void badEventsAreRefusedAtOnceAndIdleKeysStartOver() throws Exception {
        pytorchLstm(dir);
        StepModel m = StepModel.pytorch(dir);
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        try (var h = harness(new BatchedRecurrentStep(m, 8, 10).resetAfterIdle(1000), metrics)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(new FeatureEvent("a", 1, new float[] {1, Float.NaN, 0, 0}), 0);
            h.processElement(new FeatureEvent("a", 2, new float[] {1, 2}), 0);
            var refused = h.getSideOutput(RecurrentStepFunction.REFUSED);
            assertEquals(2, refused.size(), "refused without waiting for a batch");
            h.processElement(ev("a", 3), 0);
            h.setProcessingTime(20);
            assertEquals(1, drain(h).get(0).step);
            h.setProcessingTime(500);
            h.processElement(ev("a", 4), 0);
            h.setProcessingTime(600);
            assertEquals(2, drain(h).get(0).step, "a continues");
            h.setProcessingTime(1600); // idle since 500
            h.processElement(ev("a", 5), 0);
            h.setProcessingTime(1700);
            assertEquals(1, drain(h).get(0).step, "a idle for 1,000 ms: starts over");
            assertEquals(1, ((org.apache.flink.metrics.Counter) metrics.get("vecrnnResets")).getCount());
            assertEquals(2, ((org.apache.flink.metrics.Counter) metrics.get("vecrnnRefused")).getCount());
        }
    }

    @Test
    void batchLimitsAreChecked() throws Exception {
        pytorchLstm(dir);
        StepModel m = StepModel.pytorch(dir);
        assertThrows(IllegalArgumentException.class, () -> new BatchedRecurrentStep(m, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> new BatchedRecurrentStep(m, 8, 0));
        assertThrows(IllegalArgumentException.class, () -> new BatchedRecurrentStep(null, 8, 5));
        assertThrows(IllegalArgumentException.class, () -> new BatchedRecurrentStep(m, 8, 5).resetAfterIdle(-1));
    }
}
