package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stop with a savepoint at parallelism 2, restore at 3 and at 1, stop at 1 and restore at 3 (and, with the
 * batched operator, 2 to 3): every key continues exactly where it was.
 * The source generates event i from i alone (so the one-JVM reference can make the same events) and keeps
 * its position in the savepoint; the outputs of both jobs together, per key, must be the first outputs of
 * the one-JVM run, bit for bit, with no gap and no repeat.
 */
class RescalingTest {
    private static final int KEYS = 11;
    private static final int FEATURES = 4;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(3).build());

    @TempDir
    Path dir;

    /** Event i (ids from 1): key i mod KEYS, features from i's own random stream; every 19th has a NaN. */
    static FeatureEvent event(long i) {
        SplittableRandom r = new SplittableRandom(0x9E3779B97F4A7C15L * (i + 1));
        float[] x = new float[FEATURES];
        for (int f = 0; f < FEATURES; f++) x[f] = (float) r.nextDouble(-1, 1);
        if ((i + 1) % 19 == 0) x[1] = Float.NaN;
        return new FeatureEvent("key-" + (i % KEYS), i + 1, x);
    }

    private static StreamExecutionEnvironment env(Configuration conf, int parallelism, StepModel model, boolean batched,
                                                  List<CloseableIterator<Scored>> out) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.enableCheckpointing(200);
        DataGeneratorSource<FeatureEvent> source = new DataGeneratorSource<>(RescalingTest::event, Long.MAX_VALUE,
                RateLimiterStrategy.perSecond(500), TypeInformation.of(FeatureEvent.class));
        KeyedStream<FeatureEvent, String> keyed = env.fromSource(source, WatermarkStrategy.noWatermarks(), "events")
                .uid("events").setParallelism(1)
                .keyBy(FeatureEvent::getKey);
        // batched: the events held when the savepoint's barrier comes are stepped before it
        SingleOutputStreamOperator<Scored> scored = batched
                ? new BatchedRecurrentStep(model, 8, 50).applyTo(keyed)
                : keyed.process(new RecurrentStepFunction(model));
        out.add(scored.uid("vecrnn").collectAsync());
        return env;
    }

    private static void take(CloseableIterator<Scored> it, int n, List<Scored> into) {
        for (int i = 0; i < n && it.hasNext(); i++) into.add(it.next());
    }

    @ParameterizedTest(name = "{0} -> {1}, batched {2}")
    @CsvSource({"2, 3, false", "2, 1, false", "1, 3, false", "2, 3, true"})
    void everyKeyContinuesWhereItWasAfterRescaling(int parallelism, int restoredParallelism, boolean batched) throws Exception {
        Model m = Model.builder(FEATURES).gru(20).dense(2).seed(47).build();
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(m, file);
        StepModel model = StepModel.vecrnn(file);
        List<Scored> got = new ArrayList<>();

        List<CloseableIterator<Scored>> first = new ArrayList<>();
        JobClient a = env(new Configuration(), parallelism, model, batched, first).executeAsync("vecrnn at parallelism " + parallelism);
        take(first.get(0), 200, got);
        String savepoint = a.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
        try (CloseableIterator<Scored> it = first.get(0)) {
            it.forEachRemaining(got::add);
        }
        int beforeStop = got.size();

        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        // the collect sink's own state (its result buffer) has no uid and is not wanted; the source and the
        // operator, which have, must be restored (the prefix check below fails otherwise)
        restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        List<CloseableIterator<Scored>> second = new ArrayList<>();
        JobClient b = env(restore, restoredParallelism, model, batched, second).executeAsync("vecrnn restored at parallelism " + restoredParallelism);
        take(second.get(0), 200, got);
        b.cancel().get(60, TimeUnit.SECONDS);
        second.get(0).close();

        // the reference: the same events stepped in one JVM, up to the last id seen
        long last = 0;
        for (Scored s : got) last = Math.max(last, s.id);
        List<FeatureEvent> events = new ArrayList<>();
        for (long i = 0; i < last; i++) events.add(event(i));
        Map<String, List<Scored>> want = RecurrentStepFunctionTest.offline(model.load(), events);
        Map<String, List<Scored>> byKey = new TreeMap<>();
        for (Scored s : got) byKey.computeIfAbsent(s.key, k -> new ArrayList<>()).add(s);
        int resumed = 0;
        for (Map.Entry<String, List<Scored>> e : byKey.entrySet()) {
            List<Scored> g = e.getValue(), w = want.get(e.getKey());
            g.sort((x, y) -> Long.compare(x.id, y.id));
            assertTrue(g.size() <= w.size(), e.getKey() + ": more outputs than events");
            for (int i = 0; i < g.size(); i++) {
                assertEquals(w.get(i).id, g.get(i).id, e.getKey() + " output " + i + ": a gap or a repeat");
                assertEquals(w.get(i).step, g.get(i).step, e.getKey() + " output " + i + ": step");
                assertArrayEquals(w.get(i).outputs, g.get(i).outputs, e.getKey() + " event " + g.get(i).id + ": outputs");
            }
            if (g.size() > 0 && g.get(g.size() - 1).step > 1) resumed++;
        }
        assertEquals(KEYS, byKey.size(), "every key had outputs");
        // and on both sides of the savepoint, so that every key's continuation was checked above
        java.util.Set<String> before = new java.util.TreeSet<>(), after = new java.util.TreeSet<>();
        for (int i = 0; i < got.size(); i++) (i < beforeStop ? before : after).add(got.get(i).key);
        assertEquals(byKey.keySet(), before, "keys with outputs before the savepoint");
        assertEquals(byKey.keySet(), after, "keys with outputs after the restore");
        assertTrue(beforeStop >= 200 && got.size() > beforeStop, "outputs before the stop " + beforeStop + ", in all " + got.size());
        System.out.printf("rescaling %d -> %d%s: %d outputs before the savepoint, %d after; %d keys continued%n",
                parallelism, restoredParallelism, batched ? " (batched)" : "", beforeStop, got.size() - beforeStop, resumed);
    }
}
