package dev.vecrnn.examples.flink;

import dev.vecrnn.flink.FeatureEvent;
import dev.vecrnn.flink.Refused;
import dev.vecrnn.flink.RecurrentStepFunction;
import dev.vecrnn.flink.Scored;
import dev.vecrnn.flink.StepModel;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Trainer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The issue 17 example: {@code devices} sensors, each a noisy sine of its own period and phase, with rare
 * spikes injected. An LSTM trained (here, at start-up, in a few seconds, unless {@code --model} names one)
 * to predict a sensor's next reading from its readings so far runs in {@link RecurrentStepFunction}, one
 * step per reading, its state per device in Flink state; a second keyed function scores each reading by its
 * distance from the prediction made one step before, and the job prints the readings it flags with their
 * scores, then how many it flagged and how many of the injected spikes it caught.
 *
 * <pre>
 * examples/flink-sensor-job/run                          # local MiniCluster, defaults
 * examples/flink-sensor-job/run --devices 200 --readings 100 --parallelism 2
 * flink run examples/flink-sensor-job/target/vecrnn-flink-example.jar --devices 10000 --readings 0 --model lstm.safetensors
 * </pre>
 *
 * Options: {@code --devices N} (50), {@code --readings R} per device (200; 0: unbounded),
 * {@code --rate EVENTS_PER_SECOND} (0: as fast as possible), {@code --parallelism P} (1),
 * {@code --threshold S} (0.6), {@code --model FILE} (a vecrnn model file, 1 feature in, 1 out).
 */
public final class SensorAnomalyJob {
    private SensorAnomalyJob() {
    }

    /** Reading t of device d: a sine of the device's own period and phase, noise, and a spike in about 1 of 400. */
    static float reading(int d, long t) {
        SplittableRandom r = new SplittableRandom(0x9E3779B97F4A7C15L * (d * 1_000_003L + t + 1));
        double v = sine(d, t) + 0.05 * r.nextGaussian();
        return (float) (spike(d, t) ? v + 2.5 : v);
    }

    static boolean spike(int d, long t) {
        return t > 10 && new SplittableRandom(0xC2B2AE3D27D4EB4FL * (d * 1_000_003L + t + 7)).nextInt(400) == 0;
    }

    /** An LSTM 24 that predicts the next reading, trained on clean sequences of other devices. */
    static Model train() {
        int n = 300, steps = 60;
        float[] x = new float[n * steps], y = new float[n * steps];
        for (int i = 0; i < n; i++) {
            int d = 1_000_000 + i; // devices the job never sees
            for (int t = 0; t < steps; t++) {
                x[i * steps + t] = clean(d, t);
                y[i * steps + t] = clean(d, t + 1);
            }
        }
        Dataset data = new Dataset.Regression(new Dataset.Sequences(x, n, steps, 1, null), y, 1, true);
        Model m = Model.builder(1).lstm(24).dense(1).seed(7).build();
        new Trainer().epochs(25).batchSize(20).seed(3).clipNorm(1.0).optimizer(ps -> new Adam(ps, 1e-2)).fit(m, data);
        return m;
    }

    private static float clean(int d, long t) {
        return (float) sine(d, t);
    }

    /** Device d's signal at t, before noise and spikes: a sine of the device's own period and phase. */
    private static double sine(int d, long t) {
        SplittableRandom dev = new SplittableRandom(1000 + d);
        double period = 20 + 30 * dev.nextDouble(), phase = 2 * Math.PI * dev.nextDouble();
        return Math.sin(2 * Math.PI * t / period + phase);
    }

    /** Scores reading t by |reading t - the prediction made at t - 1|; flags those above the threshold. */
    static final class Score extends KeyedProcessFunction<String, Scored, String> {
        private static final long serialVersionUID = 1L;
        private final int devices;
        private final float threshold;
        private transient ValueState<Float> previous;

        Score(int devices, float threshold) {
            this.devices = devices;
            this.threshold = threshold;
        }

        @Override
        public void open(OpenContext ctx) {
            previous = getRuntimeContext().getState(new ValueStateDescriptor<>("prediction", Float.class));
        }

        @Override
        public void processElement(Scored s, Context ctx, Collector<String> out) throws Exception {
            int d = (int) ((s.id - 1) % devices);
            long t = (s.id - 1) / devices;
            Float p = previous.value();
            previous.update(s.outputs[0]);
            if (p == null) return;
            float v = reading(d, t), score = Math.abs(v - p);
            if (score > threshold) {
                out.collect(String.format("%s t=%d reading=%.3f predicted=%.3f score=%.3f%s", s.key, t, v, p, score,
                        spike(d, t) ? " (injected spike)" : ""));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int devices = 50, parallelism = 1;
        long readings = 200, rate = 0;
        float threshold = 0.6f;
        Path modelFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + ": expected a value after it");
            String v = args[++i];
            switch (a) {
                case "--devices" -> devices = Integer.parseInt(v);
                case "--readings" -> readings = Long.parseLong(v);
                case "--rate" -> rate = Long.parseLong(v);
                case "--parallelism" -> parallelism = Integer.parseInt(v);
                case "--threshold" -> threshold = Float.parseFloat(v);
                case "--model" -> modelFile = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a
                        + " (expected --devices, --readings, --rate, --parallelism, --threshold, --model)");
            }
        }
        if (devices < 1 || readings < 0 || rate < 0 || parallelism < 1) throw new IllegalArgumentException("options out of range");
        StepModel model;
        if (modelFile == null) {
            long t0 = System.nanoTime();
            Model m = train();
            Path tmp = Files.createTempFile("sensor-lstm", ".safetensors");
            ModelFile.save(m, tmp);
            model = StepModel.vecrnn(tmp);
            Files.delete(tmp);
            System.out.printf("trained the forecaster (LSTM 24) in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        } else {
            model = StepModel.vecrnn(modelFile);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        long total = readings == 0 ? Long.MAX_VALUE : devices * readings;
        int nDevices = devices;
        DataGeneratorSource<FeatureEvent> source = new DataGeneratorSource<>(
                i -> new FeatureEvent("device-" + (i % nDevices), i + 1, new float[] {reading((int) (i % nDevices), i / nDevices)}),
                total, rate == 0 ? RateLimiterStrategy.noOp() : RateLimiterStrategy.perSecond(rate), TypeInformation.of(FeatureEvent.class));
        SingleOutputStreamOperator<Scored> predictions = env.fromSource(source, WatermarkStrategy.noWatermarks(), "sensor readings")
                .uid("readings").setParallelism(1)
                .keyBy(FeatureEvent::getKey)
                .process(new RecurrentStepFunction(model).resetAfterIdle(60_000)).uid("vecrnn").name("vecrnn LSTM step");
        DataStream<Refused> refused = predictions.getSideOutput(RecurrentStepFunction.REFUSED);
        refused.print("refused");
        DataStream<String> flagged = predictions.keyBy(s -> s.key).process(new Score(devices, threshold)).uid("score").name("anomaly score");
        if (readings == 0) {
            flagged.print();
            env.execute("vecrnn sensor anomalies");
            return;
        }
        long n = 0, caught = 0;
        try (CloseableIterator<String> it = flagged.executeAndCollect("vecrnn sensor anomalies")) {
            while (it.hasNext()) {
                String line = it.next();
                System.out.println(line);
                n++;
                if (line.endsWith("(injected spike)")) caught++;
            }
        }
        long injected = 0;
        for (int d = 0; d < devices; d++) for (long t = 1; t < readings; t++) if (spike(d, t)) injected++;
        System.out.printf("%,d readings from %d devices: %d flagged, %d of the %d injected spikes among them%n",
                devices * readings, devices, n, caught, injected);
    }
}
