package dev.vecrnn.examples.flink;

import dev.vecrnn.flink.FeatureEvent;
import dev.vecrnn.flink.RecurrentStepFunction;
import dev.vecrnn.flink.Scored;
import dev.vecrnn.flink.StepModel;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Issue 17's throughput figures: events per second through {@link RecurrentStepFunction} on a local
 * MiniCluster (generated events, 1,000 keys, outputs discarded) for an LSTM at 64 and 256 inputs and units,
 * heap and RocksDB state, parallelism 1 and 2, against a plain loop of {@code Model.step} over the same
 * events with the states in an array, one thread. Each Flink figure is the best of 3 runs of a whole job
 * (start-up included, hence runs of several seconds). A benchmark to run on an idle machine, not a test:
 *
 * <pre>
 * examples/flink-sensor-job/run --readings 1     # builds, and writes the class path file
 * cd examples/flink-sensor-job
 * java --add-modules jdk.incubator.vector -cp "target/classes:$(cat target/classpath.txt)" dev.vecrnn.examples.flink.ThroughputBench
 * </pre> Options: sizes ("64,256"), then the events per run for each.
 */
public final class ThroughputBench {
    private ThroughputBench() {
    }

    static final int KEYS = 1000;

    static FeatureEvent event(long i, int features) {
        float[] x = new float[features];
        for (int f = 0; f < features; f++) x[f] = (float) Math.sin(i * 0.37 + f);
        return new FeatureEvent("k" + (i % KEYS), i, x);
    }

    static double plainLoop(Model m, long n) {
        ModelState[] states = new ModelState[KEYS];
        for (int k = 0; k < KEYS; k++) states[k] = m.newState();
        float[] out = new float[m.outputFeatures()];
        int f = m.inputFeatures();
        double best = 0;
        for (int run = 0; run < 3; run++) {
            for (ModelState s : states) s.reset();
            long t0 = System.nanoTime();
            for (long i = 0; i < n; i++) {
                FeatureEvent e = event(i, f); // the same per-event work of making the event as the Flink source does
                m.step(e.features, states[(int) (i % KEYS)], out);
            }
            best = Math.max(best, n / ((System.nanoTime() - t0) / 1e9));
        }
        return best;
    }

    static double flink(StepModel model, int features, long n, String backend, int parallelism) throws Exception {
        return bestOf3(features, n, backend, parallelism, keyed -> keyed.process(new RecurrentStepFunction(model)));
    }

    /** Events per second of the best of 3 whole jobs: n generated events over KEYS keys through {@code operator}, outputs discarded. */
    static double bestOf3(int features, long n, String backend, int parallelism,
                          Function<KeyedStream<FeatureEvent, String>, DataStream<Scored>> operator) throws Exception {
        double best = 0;
        for (int run = 0; run < 3; run++) {
            Configuration conf = new Configuration();
            conf.set(StateBackendOptions.STATE_BACKEND, backend);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(parallelism);
            DataGeneratorSource<FeatureEvent> source = new DataGeneratorSource<>(i -> event(i, features), n,
                    RateLimiterStrategy.noOp(), TypeInformation.of(FeatureEvent.class));
            operator.apply(env.fromSource(source, WatermarkStrategy.noWatermarks(), "events").keyBy(FeatureEvent::getKey))
                    .sinkTo(new DiscardingSink<>());
            long t0 = System.nanoTime();
            env.execute("throughput");
            best = Math.max(best, n / ((System.nanoTime() - t0) / 1e9));
        }
        return best;
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {64, 256};
        System.out.println("| LSTM | plain loop, 1 thread (events/s) | state | Flink p = 1 | ratio | Flink p = 2 | ratio |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int size : sizes) {
            long n = size <= 64 ? 400_000 : 100_000;
            if (args.length > 1) n = Long.parseLong(args[1]);
            Model m = Model.builder(size).lstm(size).dense(1).seed(1).build();
            Path file = Files.createTempFile("bench", ".safetensors");
            ModelFile.save(m, file);
            StepModel model = StepModel.vecrnn(file);
            Files.delete(file);
            double plain = plainLoop(m, n);
            for (String backend : new String[] {"hashmap", "rocksdb"}) {
                double p1 = flink(model, size, n, backend, 1), p2 = flink(model, size, n, backend, 2);
                System.out.printf("| %d | %,.0f | %s | %,.0f | %.2f | %,.0f | %.2f |%n", size, plain, backend, p1, p1 / plain, p2, p2 / plain);
            }
        }
    }
}
