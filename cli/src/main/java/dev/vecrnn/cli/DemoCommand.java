package dev.vecrnn.cli;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.kernels.Precision;
import dev.vecrnn.kernels.QuantizedGates;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Trainer;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code vecrnn demo}, the main job on bundled data: a character LSTM trained on KJV Genesis and Exodus
 * (public domain) for a time budget, its held-out perplexity against the unigram baseline, a sample,
 * a PNG of the loss curve, and streaming-step latency for the Vector API and scalar kernels.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, defaultValueProvider = DemoCommand.Defaults.class,
        description = "Train a character LSTM on bundled public-domain text for about a minute and show what it learned and how fast it steps.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "60", description = "training budget (default ${DEFAULT-VALUE})") int seconds;
    @Option(names = "--out", paramLabel = "DIR", description = "where loss.png goes (default: " + DEFAULT_OUT + ", where a run beside an"
            + " earlier one's loss.png draws loss-2.png, loss-3.png, ...; with --out, an existing loss.png needs --overwrite)") Path out;
    @Mixin TrainingOptions.Threads threads;
    @Option(names = "--overwrite", description = "replace DIR/loss.png if it exists (from an earlier run)") boolean overwrite;

    static final class Defaults extends TrainingOptions.Defaults {
        Defaults() {
            super("--threads", "2");
        }
    }

    /** Where the loss curve goes when --out is not given. */
    static final String DEFAULT_OUT = "demo-output";

    @Override
    public Integer call() throws Exception {
        Check.range("--seconds", seconds, 1, 86_400);
        threads.get();
        Path dir = out != null ? out : Path.of(DEFAULT_OUT);
        // the main job runs again as it ran the first time: without --out it draws beside the curves of earlier runs
        // (harming none), where a directory the caller named keeps the contract of every output (--overwrite to replace)
        String name = out != null || overwrite ? "loss.png" : freeName(dir);
        try (Outputs outs = new Outputs(overwrite)) {
            run(outs, outs.declareIn("--out", dir, name));
        }
        return 0;
    }

    /** loss.png, or the first of loss-2.png, loss-3.png, ... that is not in {@code dir} (a dangling link counts as there). */
    static String freeName(Path dir) {
        for (int k = 1; k < 100_000; k++) {
            String name = k == 1 ? "loss.png" : "loss-" + k + ".png";
            if (!java.nio.file.Files.exists(dir.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) return name;
        }
        return "loss.png";   // 100,000 curves already: refused as an existing output, as with --out
    }

    private void run(Outputs outs, Path png) throws Exception {
        String text = bundledText();
        TextModel vocab = TextModel.of(text);
        int[] ids = vocab.encode(text, "bundled text");
        int split = (int) (ids.length * 0.9);
        int[] trainIds = Arrays.copyOf(ids, split), heldIds = Arrays.copyOfRange(ids, split, ids.length);
        Dataset train = TextModel.windows(trainIds, 64);
        double unigram = TextModel.unigramPerplexity(trainIds, heldIds, vocab.size());

        System.out.printf("vecrnn demo: kernels %s, JDK %s, %s%n", Kernels.get().name(), Runtime.version(),
                Inputs.count(Runtime.getRuntime().availableProcessors(), "core"));
        System.out.printf("data: KJV Genesis and Exodus (public domain), %,d characters, %d distinct; 90%% to train, 10%% held out%n",
                ids.length, vocab.size());
        Model model = Model.builder(1).embedding(vocab.size(), 32).lstm(192).dense(vocab.size()).seed(7).build();
        System.out.println(model.summary());

        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int batches = (train.size() + 31) / 32;
        int[] done = {0}, cut = {0};  // batches trained; the batch of a last epoch the budget ended early, else 0
        double[] ema = {Double.NaN, 0};  // smoothed loss, previous running mean
        Trainer tr = new Trainer();
        tr.epochs(1000).batchSize(32).seed(1).clipNorm(1.0).threads(threads.get())
                .optimizer(ps -> new Adam(ps, 4e-3))
                .onEpoch(e -> System.out.printf("epoch %d: train loss %.4f (%.1f s%s)%n", e.epoch(), e.trainLoss(), e.millis() / 1e3,
                        cut[0] == 0 ? "" : String.format(", %d of %d batches: the time budget ended it", cut[0], batches)))
                .onBatch(p -> {
                    done[0]++;
                    // this batch's loss from the epoch's running mean, smoothed for the plot
                    double loss = p.meanLoss() * p.batch() - (p.batch() == 1 ? 0 : ema[1] * (p.batch() - 1));
                    ema[1] = p.meanLoss();
                    ema[0] = Double.isNaN(ema[0]) ? loss : 0.95 * ema[0] + 0.05 * loss;
                    xs.add(done[0] / (double) batches);
                    ys.add(ema[0]);
                    Progress.bar(p.epoch(), (int) Math.ceil(xs.size() / (double) batches), p.batch(), p.batches(), p.meanLoss());
                    if (System.nanoTime() > deadline) {
                        // Keras's stop_training: the epoch ends here, its line printed, and the run after it
                        tr.stopTraining();
                        if (p.batch() < p.batches()) {
                            cut[0] = p.batch();
                            if (Progress.TERMINAL) System.err.print("\r" + " ".repeat(100) + "\r");  // the bar of a whole epoch clears itself
                        }
                    }
                });
        long t0 = System.nanoTime();
        tr.fit(model, train);
        double secs = (System.nanoTime() - t0) / 1e9;
        // the held-out text read as one stream, the state carried, as train-text and PyTorch's word_language_model score it
        double ppl = TextModel.carriedPerplexity(model, heldIds);
        System.out.printf("trained %d batch%s (%.2f epochs) in %.0f s; held-out perplexity %.2f (%,d characters read as one stream,"
                + " the state carried), unigram baseline %.2f%n", done[0], done[0] == 1 ? "" : "es", done[0] / (double) batches, secs, ppl, heldIds.length, unigram);
        double int8 = TextModel.carriedPerplexity(model.quantized(Precision.INT8), heldIds);
        double bf16 = TextModel.carriedPerplexity(model.quantized(Precision.BF16), heldIds);
        System.out.printf("quantized copies of this model (Model.quantized): held-out perplexity int8 %.3f (%+.2f%%), bf16 %.3f (%+.2f%%), fp32 %.3f%n",
                int8, 100 * (int8 / ppl - 1), bf16, 100 * (bf16 / ppl - 1), ppl);
        System.out.println("sample: " + SampleCommand.sample(model, vocab, "And God said", 240, 0.7, new Random(3)).replace('\n', ' '));

        Charts.savePng(lossChart(xs, ys), outs.stage(png));
        outs.commit();
        System.out.println("loss curve: " + Main.shown(png));
        latencyTable();
    }

    /**
     * The loss curve, epochs on the x axis from 0. XChart starts its ticks at the first point (1/batches of an
     * epoch) where no minimum is set, and a pattern of one decimal then labelled a tick at 0.0062 "0.0" and one at
     * 0.1056 "0.1": the axis of a short run said a fraction of an epoch it had not reached.
     */
    static XYChart lossChart(List<Double> xs, List<Double> ys) {
        XYChart chart = new XYChartBuilder().width(800).height(450).title("vecrnn demo: character LSTM training loss")
                .xAxisTitle("epochs").yAxisTitle("cross-entropy per character (nats), smoothed").build();
        chart.getStyler().setXAxisMin(0.0);
        double last = xs.isEmpty() ? 0 : xs.get(xs.size() - 1);
        if (last > 0) {
            // the end rounded up to a fifth of its decade (0.26, 1.2, 18), so that the ticks fall on round numbers
            double step = Math.pow(10, Math.floor(Math.log10(last))) / 5;
            chart.getStyler().setXAxisMax(Math.ceil(last / step) * step);
        }
        chart.getStyler().setXAxisDecimalPattern("0.####");
        chart.getStyler().setYAxisDecimalPattern("0.00");
        chart.addSeries("train", xs, ys).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    /** One streaming LSTM step (gate matmul and pointwise update), per kernel implementation and weight precision. */
    static void latencyTable() {
        System.out.println();
        System.out.println("streaming LSTM step latency, batch 1 (median of 15 rounds; JMH: ./vecrnn bench nn.StepBench -p precision=FP32,INT8)");
        System.out.printf("%-12s %14s %14s %9s %16s %9s%n", "I = H", "Vector API", "scalar", "speed-up", "int8 Vector API", "over fp32");
        Kernels panama = Kernels.panama();
        for (int size : new int[] {64, 128, 256}) {
            double v = panama == null ? Double.NaN : stepMicros(panama, size, Precision.FP32);
            double s = stepMicros(Kernels.scalar(), size, Precision.FP32);
            double q = panama == null ? Double.NaN : stepMicros(panama, size, Precision.INT8);
            System.out.printf("%-12d %11.2f us %11.2f us %8.1fx %13.2f us %8.2fx%n", size, v, s, s / v, q, v / q);
        }
        if (panama == null) System.out.println("(Vector API unavailable: " + Kernels.whyNoPanama() + ")");
    }

    private static double stepMicros(Kernels k, int n, Precision precision) {
        Random r = new Random(1);
        float[] w = new float[4 * n * n], u = new float[4 * n * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.05f;
            u[i] = (float) r.nextGaussian() * 0.05f;
        }
        PackedGates p = PackedGates.pack(PackedGates.Cell.LSTM, n, n, n, w, u, null, null);
        QuantizedGates q = precision == Precision.FP32 ? null : QuantizedGates.quantize(p, precision);
        float[] x = new float[n], h = new float[n], c = new float[n], g = new float[4 * n];
        Arrays.fill(x, 0.1f);
        int reps = Math.max(50, 2_000_000 / (n * n));
        double[] rounds = new double[15];
        for (int warm = 0; warm < 3; warm++) for (int i = 0; i < reps * 4; i++) step(k, p, q, n, x, h, c, g);
        for (int round = 0; round < rounds.length; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) step(k, p, q, n, x, h, c, g);
            rounds[round] = (System.nanoTime() - t0) / 1e3 / reps;
        }
        Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }

    private static void step(Kernels k, PackedGates p, QuantizedGates q, int n, float[] x, float[] h, float[] c, float[] g) {
        if (q == null) k.gates(p, 1, x, 0, n, h, 0, n, g, 0, 4 * n);
        else k.gates(q, 1, x, 0, n, h, 0, n, g, 0, 4 * n);
        k.lstmForward(n, g, 0, c, 0, c, 0, h, 0);
    }

    private static String bundledText() throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/data/kjv-genesis-exodus.txt")) {
            if (in == null) throw new IllegalStateException("the bundled text is missing from the jar (rebuild with mvn package)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
