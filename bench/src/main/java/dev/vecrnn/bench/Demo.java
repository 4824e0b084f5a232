package dev.vecrnn.bench;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

/**
 * A quick, self-timed look at the Vector API kernels next to the scalar ones, for a human at a terminal
 * (about half a minute). Each operation is warmed up, then timed in alternating rounds of many calls
 * with {@link System#nanoTime()}; the table shows the median round. JMH ({@code ./vecrnn bench}) remains
 * the source of truth: it forks, checks for dead code and reports errors.
 */
public final class Demo {
    private static final long WARMUP_NANOS = 1_500_000_000L;  // per implementation and operation
    private static final long ROUND_NANOS = 100_000_000L;
    private static final int ROUNDS = 9;

    /** Keeps every result observable so the JIT cannot drop the work. */
    private static volatile float sink;

    /** One operation bound to one implementation, with its own output buffer. */
    private interface Task {
        void run();

        float[] result();
    }

    private record Case(String operation, String size, Function<Kernels, Task> bind) {
    }

    private Demo() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        Kernels chosen = Kernels.get();
        Kernels panama = Kernels.panama();
        System.out.printf(Locale.ROOT, "vecrnn kernel-demo: Vector API kernels against scalar kernels (self-timed)%n");
        System.out.printf(Locale.ROOT, "JDK        %s (%s), %d cpus%n", Runtime.version(),
                System.getProperty("java.vm.name"), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "kernels    Kernels.get() chose %s%n", chosen.name());
        if (panama == null) {
            System.out.printf(Locale.ROOT, "           no Vector API kernels here: %s; timing scalar only%n",
                    Kernels.whyNoPanama());
        }
        System.out.println();

        List<Case> cases = cases(new Random(BenchInputs.SEED));
        String format = "%-26s %-10s %12s %12s %9s %11s%n";
        System.out.printf(Locale.ROOT, format, "operation", "size", "Vector API", "scalar", "speed-up", "max |diff|");
        for (Case c : cases) {
            Task scalar = c.bind().apply(Kernels.scalar());
            Task vector = panama == null ? null : c.bind().apply(panama);
            double[] ns = time(vector, scalar);
            String diff = vector == null ? "-" : String.format(Locale.ROOT, "%.1e", maxAbsDiff(vector.result(), scalar.result()));
            String speedup = vector == null ? "-" : String.format(Locale.ROOT, "%.1fx", ns[1] / ns[0]);
            System.out.printf(Locale.ROOT, format, c.operation(), c.size(),
                    vector == null ? "-" : duration(ns[0]), duration(ns[1]), speedup, diff);
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "Times are per call, the median of %d rounds after %.1f s of warm-up per row and"
                + " implementation (%.0f s in all).%n", ROUNDS, WARMUP_NANOS / 1e9, (System.nanoTime() - start) / 1e9);
        System.out.println("scalar is the reference twin (plain loops in the same packed layout), not a tuned scalar baseline.");
        System.out.println("JMH is the source of truth: ./vecrnn bench GatesGemvBench -p cell=LSTM   (or ./vecrnn bench -h)");
    }

    private static List<Case> cases(Random rnd) {
        List<Case> cases = new ArrayList<>();
        for (int size : new int[] {64, 256}) {
            cases.add(gates(rnd, "LSTM gates GEMV, batch 1", 1, size));
        }
        cases.add(gates(rnd, "LSTM gates GEMM, batch 32", 32, 256));
        float[] x = BenchInputs.uniform(rnd, 4096, -5f, 5f);
        cases.add(new Case("tanh", "n=4096", k -> pointwise(x, (y) -> k.tanh(x.length, x, 0, y, 0))));
        cases.add(new Case("sigmoid", "n=4096", k -> pointwise(x, (y) -> k.sigmoid(x.length, x, 0, y, 0))));
        return cases;
    }

    // x [B, I], h [B, H] -> out [B, 4H]
    private static Case gates(Random rnd, String operation, int batch, int size) {
        PackedGates p = BenchInputs.cell(rnd, PackedGates.Cell.LSTM, size, size);
        float[] x = BenchInputs.uniform(rnd, batch * size, -1f, 1f);
        float[] h = BenchInputs.uniform(rnd, batch * size, -1f, 1f);
        int g = p.outputSize();
        return new Case(operation, "I=H=" + size, k -> {
            float[] out = new float[batch * g];
            return task(out, () -> k.gates(p, batch, x, 0, size, h, 0, size, out, 0, g));
        });
    }

    private static Task pointwise(float[] x, java.util.function.Consumer<float[]> op) {
        float[] y = new float[x.length];
        return task(y, () -> op.accept(y));
    }

    private static Task task(float[] out, Runnable r) {
        return new Task() {
            @Override
            public void run() {
                r.run();
            }

            @Override
            public float[] result() {
                return out;
            }
        };
    }

    /** Median ns per call of a (may be null) and b, warmed up and timed in alternating rounds. */
    private static double[] time(Task a, Task b) {
        Task[] tasks = a == null ? new Task[] {b} : new Task[] {a, b};
        long[] reps = new long[tasks.length];
        for (int t = 0; t < tasks.length; t++) {
            long calls = 0;
            long t0 = System.nanoTime();
            long elapsed;
            do {
                tasks[t].run();
                calls++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < WARMUP_NANOS);
            reps[t] = Math.max(1, calls * ROUND_NANOS / elapsed);
        }
        double[][] rounds = new double[tasks.length][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int i = 0; i < tasks.length; i++) {
                int t = (r + i) % tasks.length;  // alternate who goes first
                Task task = tasks[t];
                long t0 = System.nanoTime();
                for (long n = reps[t]; n > 0; n--) task.run();
                rounds[t][r] = (double) (System.nanoTime() - t0) / reps[t];
                sink += task.result()[0];
            }
        }
        double[] median = new double[2];
        for (int t = 0; t < tasks.length; t++) {
            Arrays.sort(rounds[t]);
            median[a == null ? 1 : t] = rounds[t][ROUNDS / 2];
        }
        return median;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float m = 0f;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private static String duration(double ns) {
        if (ns < 1e3) return String.format(Locale.ROOT, "%.0f ns", ns);
        if (ns < 1e6) return String.format(Locale.ROOT, "%.2f us", ns / 1e3);
        return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
    }
}
