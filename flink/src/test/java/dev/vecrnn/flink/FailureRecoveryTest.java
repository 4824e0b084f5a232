package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task fails mid-stream (an exception injected after N events); the job restarts from its last checkpoint,
 * with the heap state backend and with RocksDB. The outputs, deduplicated by event id (a replayed event must
 * give the same outputs again), equal an uninterrupted single-JVM run bit for bit: no key's state is lost or
 * applied twice. The test also checks that the restart resumed from a checkpoint rather than from the start.
 */
class FailureRecoveryTest {
    static final AtomicInteger SEEN = new AtomicInteger();
    static final AtomicBoolean FAILED = new AtomicBoolean();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(3).build());

    @TempDir
    Path dir;

    /** Events the map had passed when each checkpoint's barrier reached it. */
    static final Map<Long, Integer> AT_BARRIER = new java.util.concurrent.ConcurrentHashMap<>();
    /** Set once a checkpoint holding at least one event has completed: the failure may come. */
    static final AtomicBoolean READY = new AtomicBoolean();

    /**
     * Passes events on slowly (so that checkpoints complete mid-stream) and throws once: at the first event
     * after {@code after} events once a checkpoint that holds some events has completed (so that the restart
     * has one to restore, however slowly the machine checkpoints).
     */
    static final class FailOnce implements MapFunction<FeatureEvent, FeatureEvent>, CheckpointedFunction, CheckpointListener {
        private static final long serialVersionUID = 1L;
        private final int after;

        FailOnce(int after) {
            this.after = after;
        }

        @Override
        public FeatureEvent map(FeatureEvent e) throws Exception {
            Thread.sleep(4);
            if (SEEN.incrementAndGet() >= after && READY.get() && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after " + SEEN.get() + " events");
            }
            return e;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) {
            AT_BARRIER.put(ctx.getCheckpointId(), SEEN.get());
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) {
        }

        @Override
        public void notifyCheckpointComplete(long id) {
            Integer at = AT_BARRIER.get(id);
            if (at != null && at > 0) READY.set(true);
        }
    }

    @ParameterizedTest(name = "{0}, batched {1}")
    @CsvSource({"hashmap, false", "rocksdb, false", "hashmap, true"})
    void aJobRestartedFromItsCheckpointContinuesEveryKeyExactly(String backend, boolean batched) throws Exception {
        SEEN.set(0);
        FAILED.set(false);
        READY.set(false);
        AT_BARRIER.clear();
        Model m = Model.builder(5).lstm(24).dense(3).seed(43).build();
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(m, file);
        StepModel model = StepModel.vecrnn(file);
        List<FeatureEvent> events = RecurrentStepFunctionTest.events(5, 11);
        int failAfter = events.size() / 3;

        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(100);
        KeyedStream<FeatureEvent, String> keyed = env.fromData(events).setParallelism(1)
                .map(new FailOnce(failAfter)).setParallelism(1)
                .keyBy(FeatureEvent::getKey);
        // batched: events held across the checkpoints must be stepped before each barrier
        SingleOutputStreamOperator<Scored> scored = batched
                ? new BatchedRecurrentStep(model, 16, 50).applyTo(keyed)
                : keyed.process(new RecurrentStepFunction(model));
        CloseableIterator<Scored> it = scored.collectAsync();
        env.execute("vecrnn failure recovery, " + backend + (batched ? ", batched" : ""));

        Map<String, Map<Long, Scored>> byKey = new TreeMap<>();
        int received = 0;
        try (it) {
            while (it.hasNext()) {
                Scored s = it.next();
                received++;
                Scored before = byKey.computeIfAbsent(s.key, k -> new TreeMap<>()).putIfAbsent(s.id, s);
                if (before != null) {
                    assertTrue(before.step == s.step, s.key + " event " + s.id + ": replayed with step " + s.step + ", first " + before.step);
                    assertArrayEquals(before.outputs, s.outputs, s.key + " event " + s.id + ": replayed with other outputs");
                }
            }
        }
        assertTrue(FAILED.get(), "the failure was never injected (no checkpoint holding events completed before the stream ended)");
        // from the start, the map would have seen failAfter + all events; from a checkpoint, fewer
        assertTrue(SEEN.get() < failAfter + events.size(),
                "the job restarted from the beginning (" + SEEN.get() + " events seen), not from a checkpoint");
        Map<String, List<Scored>> got = new HashMap<>();
        byKey.forEach((k, v) -> got.put(k, new ArrayList<>(v.values())));
        // ids rise with the event order within each key, so the TreeMap order is the key's order
        RecurrentStepFunctionTest.assertSameOutputs(RecurrentStepFunctionTest.offline(model.load(), events), new TreeMap<>(got));
        System.out.printf("failure recovery (%s%s): %d events, failure after %d or more, %d seen by the map, %d outputs received%n",
                backend, batched ? ", batched" : "", events.size(), failAfter, SEEN.get(), received);
    }
}
