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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
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
 * {@code --threshold S} (0.6), {@code --model FILE} (a vecrnn model file, 1 feature in, 1 out). A bad option or
 * {@code --model} file is one line on stderr, exit code 2, before anything runs.
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

    private static final List<String> OPTIONS = List.of("--devices", "--readings", "--rate", "--parallelism", "--threshold", "--model");

    /** The job's options; {@code model} null: train the forecaster at start-up. */
    record Options(int devices, long readings, long rate, int parallelism, float threshold, Path model) {
    }

    /** The options in {@code args}, each checked; refused with one line naming the option and what it takes. */
    static Options options(String[] args) {
        int devices = 50, parallelism = 1;
        long readings = 200, rate = 0;
        float threshold = 0.6f;
        Path modelFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!OPTIONS.contains(a)) throw new IllegalArgumentException("unknown option " + a + " (expected " + String.join(", ", OPTIONS) + ")");
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + ": expected a value after it");
            String v = args[++i];
            switch (a) {
                case "--devices" -> devices = (int) whole(a, v, 1, Integer.MAX_VALUE, "a number of devices, at least 1");
                case "--readings" -> readings = whole(a, v, 0, Long.MAX_VALUE, "a number of readings per device (0: unbounded)");
                case "--rate" -> rate = whole(a, v, 0, Long.MAX_VALUE, "a number of events per second (0: as fast as possible)");
                case "--parallelism" -> parallelism = (int) whole(a, v, 1, 32_768, "a parallelism of 1 to 32768");
                case "--threshold" -> threshold = score(a, v);
                default -> modelFile = Path.of(v);
            }
        }
        if (readings > 0 && readings > Long.MAX_VALUE / devices) {
            throw new IllegalArgumentException("--readings: " + readings + " for each of " + devices + " devices is more readings than the source counts");
        }
        return new Options(devices, readings, rate, parallelism, threshold, modelFile);
    }

    private static long whole(String option, String v, long min, long max, String expected) {
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected " + expected + ", got '" + v + "'");
        }
        if (n < min || n > max) throw new IllegalArgumentException(option + ": expected " + expected + ", got " + n);
        return n;
    }

    private static float score(String option, String v) {
        float t;
        try {
            t = Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
            t = Float.NaN;
        }
        if (!(t > 0) || Float.isInfinite(t)) {
            throw new IllegalArgumentException(option + ": expected a finite score above 0 (a reading's distance from its prediction), got '" + v + "'");
        }
        return t;
    }

    /** The forecaster, trained here (about 10 s). */
    static StepModel trained() throws IOException {
        long t0 = System.nanoTime();
        Model m = train();
        Path tmp = Files.createTempFile("sensor-lstm", ".safetensors");
        try {
            ModelFile.save(m, tmp);
            StepModel model = StepModel.vecrnn(tmp);
            System.out.printf("trained the forecaster (LSTM 24) in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            return model;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The model a --model file holds, which must take the one reading and predict the next. */
    static StepModel model(Path file) throws IOException {
        StepModel model = StepModel.vecrnn(file);
        StepModel.Stepper s = model.load();
        if (s.inputs() != 1 || s.outputs() != 1) {
            throw new IllegalArgumentException(file + ": expected a model of 1 feature in (the reading) and 1 out (the next one's"
                    + " prediction), got " + s.inputs() + " in and " + s.outputs() + " out");
        }
        return model;
    }

    /**
     * Runs the job; a bad option or --model file is one line on stderr and exit code 2, before anything runs
     * (under {@code flink run}, the client's exit code).
     */
    public static void main(String[] args) throws Exception {
        Options o;
        StepModel model;
        try {
            o = options(args);
        } catch (IllegalArgumentException e) {
            System.err.println("SensorAnomalyJob: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            model = o.model() == null ? trained() : model(o.model());
        } catch (IllegalArgumentException | IOException e) {
            if (o.model() == null) throw e;
            System.err.println("SensorAnomalyJob: --model " + e.getMessage() + (e instanceof NoSuchFileException ? ": no such file" : ""));
            System.exit(2);
            return;
        }
        run(o, model);
    }

    static void run(Options o, StepModel model) throws Exception {
        int devices = o.devices(), parallelism = o.parallelism();
        long readings = o.readings(), rate = o.rate();
        float threshold = o.threshold();
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
