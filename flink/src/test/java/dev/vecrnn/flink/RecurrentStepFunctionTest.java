package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.StreamState;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
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
import java.util.TreeMap;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator on a local MiniCluster: per key, the job's outputs equal the same events stepped by vecrnn in
 * one JVM, bit for bit, at parallelism 1, 2 and 3; events with the wrong feature count or a NaN go to the side
 * output with the reason, change no state, and the job goes on.
 */
class RecurrentStepFunctionTest {
    private static final int KEYS = 13;
    private static final int EVENTS_PER_KEY = 40;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(3).build());

    @TempDir
    Path dir;

    /** Events of all keys interleaved; every 17th is bad (NaN, or one feature short). */
    static List<FeatureEvent> events(int features, long seed) {
        Random r = new Random(seed);
        List<FeatureEvent> out = new ArrayList<>();
        long id = 0;
        for (int i = 0; i < EVENTS_PER_KEY; i++) {
            for (int k = 0; k < KEYS; k++) {
                float[] x = new float[features];
                for (int f = 0; f < features; f++) x[f] = r.nextFloat() * 2 - 1;
                id++;
                if (id % 17 == 0) x[r.nextInt(features)] = Float.NaN;
                if (id % 17 == 8) x = new float[features - 1];
                out.add(new FeatureEvent("key-" + k, id, x));
            }
        }
        return out;
    }

    /** What the job must emit, per key in order: the events with good features stepped by one JVM. */
    static Map<String, List<Scored>> offline(StepModel.Stepper model, List<FeatureEvent> events) {
        Map<String, float[]> states = new HashMap<>();
        Map<String, List<Scored>> out = new TreeMap<>();
        for (FeatureEvent e : events) {
            boolean good = e.features.length == model.inputs();
            for (float f : e.features) good &= Float.isFinite(f);
            if (!good) continue;
            float[] s = states.computeIfAbsent(e.key, k -> new float[model.stateSize()]);
            float[] y = new float[model.outputs()];
            model.step(e.features, s, y);
            List<Scored> l = out.computeIfAbsent(e.key, k -> new ArrayList<>());
            l.add(new Scored(e.key, e.id, l.size() + 1, y));
        }
        return out;
    }

    record Run(Map<String, List<Scored>> scored, List<Refused> refused) {
    }

    static Run run(StepModel model, List<FeatureEvent> events, int parallelism) throws Exception {
        return run(keyed -> keyed.process(new RecurrentStepFunction(model)).name("vecrnn"), events, parallelism);
    }

    /** The events through {@code operator} (applied to them keyed by key) at this parallelism: outputs by key, refusals. */
    static Run run(Function<KeyedStream<FeatureEvent, String>, SingleOutputStreamOperator<Scored>> operator,
                   List<FeatureEvent> events, int parallelism) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        SingleOutputStreamOperator<Scored> scored = operator.apply(env.fromData(events).keyBy(FeatureEvent::getKey));
        CloseableIterator<Scored> main = scored.collectAsync();
        CloseableIterator<Refused> side = scored.getSideOutput(RecurrentStepFunction.REFUSED).collectAsync();
        env.execute("vecrnn parity at parallelism " + parallelism);
        Map<String, List<Scored>> byKey = new TreeMap<>();
        try (main) {
            main.forEachRemaining(s -> byKey.computeIfAbsent(s.key, k -> new ArrayList<>()).add(s));
        }
        List<Refused> refused = new ArrayList<>();
        try (side) {
            side.forEachRemaining(refused::add);
        }
        return new Run(byKey, refused);
    }

    static void assertSameOutputs(Map<String, List<Scored>> want, Map<String, List<Scored>> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String key : want.keySet()) {
            List<Scored> w = want.get(key), g = got.get(key);
            assertEquals(w.size(), g.size(), key + ": outputs");
            for (int i = 0; i < w.size(); i++) {
                assertEquals(w.get(i).id, g.get(i).id, key + " output " + i + ": event id (order within the key)");
                assertEquals(w.get(i).step, g.get(i).step, key + " output " + i + ": step");
                int[] wb = bits(w.get(i).outputs), gb = bits(g.get(i).outputs);
                assertArrayEquals(wb, gb, key + " event " + w.get(i).id + ": outputs bit for bit");
            }
        }
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aVecrnnModelGivesEachKeyTheOutputsOfOneJvmBitForBit(int parallelism) throws Exception {
        Model m = Model.builder(5).lstm(24).dense(3).seed(41).build();
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(m, file);
        StepModel model = StepModel.vecrnn(file);
        List<FeatureEvent> events = events(5, 7);
        Run run = run(model, events, parallelism);
        assertSameOutputs(offline(model.load(), events), run.scored);
        // the bad events, each with its reason
        Map<Long, String> refused = new TreeMap<>();
        for (Refused r : run.refused) refused.put(r.id, r.reason);
        Map<Long, String> expected = new TreeMap<>();
        for (FeatureEvent e : events) {
            if (e.id % 17 == 0) expected.put(e.id, "is NaN, expected a finite number");
            if (e.id % 17 == 8) expected.put(e.id, "expected 5 features, got 4");
        }
        assertEquals(expected.keySet(), refused.keySet());
        for (Map.Entry<Long, String> e : expected.entrySet()) {
            assertTrue(refused.get(e.getKey()).endsWith(e.getValue()), e.getKey() + ": " + refused.get(e.getKey()));
        }
    }

    @Test
    void aPyTorchLstmDirectoryStepsLikeTheNetworkItHolds() throws Exception {
        Recurrent net = new Recurrent(new RecurrentConfig(CellType.LSTM, 4, 12, 2, true, false, false, 0f, 0), 3);
        PyTorchFormat.write(net, dir);
        StepModel model = StepModel.pytorch(dir);
        List<FeatureEvent> events = events(4, 9);
        Run run = run(model, events, 2);
        assertSameOutputs(networkSteps(net, events), run.scored);
    }

    /**
     * What the job must emit per key, with the network itself as the reference (not the stepper the operator
     * uses): the events with good features stepped one by one by {@code net.step}.
     */
    static Map<String, List<Scored>> networkSteps(Recurrent net, List<FeatureEvent> events) {
        int in = net.config().inputSize(), out = net.config().outputHidden();
        Map<String, StreamState> states = new HashMap<>();
        Map<String, List<Scored>> want = new TreeMap<>();
        for (FeatureEvent e : events) {
            boolean good = e.features.length == in;
            for (float f : e.features) good &= Float.isFinite(f);
            if (!good) continue;
            float[] y = new float[out];
            net.step(e.features, states.computeIfAbsent(e.key, k -> net.newState()), y);
            List<Scored> l = want.computeIfAbsent(e.key, k -> new ArrayList<>());
            l.add(new Scored(e.key, e.id, l.size() + 1, y));
        }
        return want;
    }

    @Test
    void theModelStepperMatchesModelStepWithItsOwnState() throws Exception {
        Model m = Model.builder(3).gru(10).dense(2).seed(2).build();
        Path file = dir.resolve("m.safetensors");
        ModelFile.save(m, file);
        StepModel.Stepper s = StepModel.vecrnn(file).load();
        ModelState direct = m.newState();
        float[] flat = new float[s.stateSize()];
        Random r = new Random(1);
        for (int t = 0; t < 30; t++) {
            float[] x = {r.nextFloat(), r.nextFloat(), r.nextFloat()};
            float[] a = new float[2], b = new float[2];
            m.step(x, direct, a);
            s.step(x, flat, b);
            assertArrayEquals(bits(a), bits(b), "step " + t);
        }
    }

    /**
     * Once C2 has compiled the step (before that the Vector API boxes) and its batch states have grown, a task's
     * stepper allocates nothing per event, one at a time or in a batch: rounds of steps and batches until one
     * allocates under a byte per step, for a vecrnn model and a PyTorch network.
     */
    @Test
    void bothSteppersStepWithoutAllocating() throws Exception {
        ModelFile.save(Model.builder(3).lstm(8).dense(2).seed(4).build(), dir.resolve("m.safetensors"));
        Path torch = dir.resolve("torch");
        PyTorchFormat.write(new Recurrent(new RecurrentConfig(CellType.GRU, 3, 6, 2, true, false, false, 0f, 0), 5), torch);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (StepModel.Stepper s : List.of(StepModel.vecrnn(dir.resolve("m.safetensors")).load(), StepModel.pytorch(torch).load())) {
            int n = 5, round = 2_000;
            float[] xs = new float[n * s.inputs()], outs = new float[n * s.outputs()], x = new float[s.inputs()], y = new float[s.outputs()];
            float[][] states = new float[n][s.stateSize()];
            java.util.Arrays.fill(xs, 0.25f);
            java.util.Arrays.fill(x, -0.5f);
            long perRound = Long.MAX_VALUE;
            for (int r = 0; r < 500 && perRound >= 2L * round; r++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < round; i++) {
                    s.step(x, states[0], y);
                    s.stepMany(1 + i % n, xs, states, outs);
                }
                perRound = mx.getCurrentThreadAllocatedBytes() - before;
            }
            assertTrue(perRound < 2L * round, s.stateLayout() + ": still " + perRound + " bytes for " + round + " steps and batches after 500 rounds");
        }
    }
}
