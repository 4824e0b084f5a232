package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load on the service: {@code sessions} sessions of {@code steps} steps each, sent by
 * {@code concurrency} client threads. Each thread takes the session at the head of a shared queue, sends its
 * next step, waits for the answer and puts the session back at the tail, so every session's steps are in
 * order but travel on different threads and connections, interleaved with the other sessions' steps. The
 * inputs are Gaussian floats drawn from the seed; every output is kept, for {@link #check}.
 */
public final class LoadClient {
    private LoadClient() {
    }

    /** What a run measured and received; {@code outputs[s]} is session s's {@code [steps, Hout]}. */
    public record Result(int sessions, int steps, int concurrency, long wallNanos, long[] sortedLatencyNanos,
                         float[][] inputs, float[][] outputs) {
        public double throughput() {
            return (double) sessions * steps / (wallNanos / 1e9);
        }

        /** The q-quantile (nearest rank) of the request latencies, in microseconds. */
        public double latencyMicros(double q) {
            int i = (int) Math.ceil(q * sortedLatencyNanos.length) - 1;
            return sortedLatencyNanos[Math.max(0, Math.min(i, sortedLatencyNanos.length - 1))] / 1e3;
        }

        public String summary() {
            return String.format(java.util.Locale.ROOT,
                    "%d sessions x %d steps, %d client threads: %d requests in %.2f s, %.0f steps/s; latency p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us",
                    sessions, steps, concurrency, (long) sessions * steps, wallNanos / 1e9, throughput(),
                    latencyMicros(0.50), latencyMicros(0.99), latencyMicros(0.999), latencyMicros(1.0));
        }
    }

    /** Inputs of session s, {@code [steps, inputSize]}, drawn from {@code seed} and s alone. */
    static float[] inputs(long seed, int session, int steps, int inputSize) {
        Random r = new Random(seed * 1_000_003L + session);
        float[] x = new float[steps * inputSize];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /**
     * Runs the load; fails with a TimeoutException when it has not finished within {@code deadline}, and with
     * an IOException when a request fails or an answer is not the step it should be (wrong session or step
     * number, wrong number of outputs).
     */
    public static Result run(URI base, RecurrentConfig cfg, String idPrefix, int sessions, int steps, int concurrency,
                             long seed, Duration deadline) throws Exception {
        Run run = new Run(base, cfg, idPrefix, sessions, steps, concurrency, seed, deadline);
        ExecutorService threads = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "load-client");
            t.setDaemon(true);
            return t;
        });
        run.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        long start = System.nanoTime();
        run.end = start + deadline.toNanos();
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) workers.add(threads.submit(run::work));
            for (Future<Void> f : workers) f.get(Math.max(1, run.end - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } finally {
            threads.shutdownNow();
        }
        long wall = System.nanoTime() - start;
        Arrays.sort(run.latency);
        return new Result(sessions, steps, concurrency, wall, run.latency, run.xs, run.outs);
    }

    /** One run's shared state; a session's slots are written only by the thread that took it from the queue. */
    private static final class Run {
        final URI base;
        final String idPrefix;
        final int steps, concurrency, in, p;
        final Duration deadline;
        final float[][] xs, outs;     // [sessions][steps * I], [sessions][steps * Hout]
        final long[] latency;         // [sessions * steps]
        final int[] next;             // the next step of each session
        final LinkedBlockingQueue<Integer> ready = new LinkedBlockingQueue<>();   // sessions waiting for their next step; -1 stops a worker
        final AtomicInteger remaining;
        HttpClient http;
        long end;

        Run(URI base, RecurrentConfig cfg, String idPrefix, int sessions, int steps, int concurrency, long seed, Duration deadline) {
            this.base = base;
            this.idPrefix = idPrefix;
            this.steps = steps;
            this.concurrency = concurrency;
            this.in = cfg.inputSize();
            this.p = cfg.outputHidden();
            this.deadline = deadline;
            this.xs = new float[sessions][];
            this.outs = new float[sessions][steps * p];
            for (int s = 0; s < sessions; s++) xs[s] = inputs(seed, s, steps, in);
            this.latency = new long[sessions * steps];
            this.next = new int[sessions];
            this.remaining = new AtomicInteger(sessions * steps);
            for (int s = 0; s < sessions; s++) ready.add(s);
        }

        Void work() throws Exception {
            try {
                StringBuilder body = new StringBuilder(256);
                for (;;) {
                    Integer s = ready.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (s == null) throw new TimeoutException("load not done within " + deadline);
                    if (s < 0) return null;
                    step(s, body);
                    if (next[s] < steps) ready.add(s);
                    if (remaining.decrementAndGet() == 0) stopAll();
                }
            } catch (Exception e) {
                stopAll();   // the other workers stop at once instead of waiting out the deadline
                throw e;
            }
        }

        private void stopAll() {
            for (int w = 0; w < concurrency; w++) ready.add(-1);
        }

        private void step(int s, StringBuilder body) throws Exception {
            int t = next[s];
            body.setLength(0);
            body.append("{\"x\":[");
            for (int i = 0; i < in; i++) body.append(i == 0 ? "" : ",").append(xs[s][t * in + i]);   // Float.toString: exact
            body.append("]}");
            String id = idPrefix + s;
            HttpRequest req = HttpRequest.newBuilder(base.resolve("/sessions/" + id + "/step"))
                    .timeout(Duration.ofNanos(Math.max(1, end - System.nanoTime())))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
            long t0 = System.nanoTime();
            HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            latency[s * steps + t] = System.nanoTime() - t0;
            if (resp.statusCode() != 200) {
                throw new IOException("session " + id + " step " + (t + 1) + ": HTTP " + resp.statusCode() + " "
                        + new String(resp.body(), StandardCharsets.UTF_8).strip());
            }
            Json.StepReply r = Json.parseReply(resp.body(), p);
            if (!r.session().equals(id) || r.step() != t + 1) {
                throw new IOException("session " + id + " step " + (t + 1) + ": the answer is step " + r.step() + " of session " + r.session());
            }
            System.arraycopy(r.outputs(), 0, outs[s], t * p, p);
            next[s] = t + 1;
        }
    }

    /**
     * Compares every session's outputs with a fresh state stepped over the same inputs on this thread, bit for
     * bit; returns null when all agree, else the first difference.
     */
    public static String check(Recurrent net, Result r) {
        int p = net.config().outputHidden();
        for (int s = 0; s < r.sessions(); s++) {
            float[] want = Offline.stepLoop(net, r.inputs()[s], r.steps());
            int i = Arrays.mismatch(want, r.outputs()[s]);
            if (i >= 0) {
                return "session " + s + ", step " + (i / p + 1) + ", output " + i % p + ": service " + r.outputs()[s][i]
                        + ", offline " + want[i];
            }
        }
        return null;
    }

    /**
     * {@code --model DIR [--url http://127.0.0.1:8080] [--sessions 64] [--steps 200] [--concurrency 8]
     * [--seed 1] [--warmup 100] [--deadline 300]}: without --url, starts the service in this JVM on a free
     * loopback port. Prints the measurements and exits 1 when any session's outputs differ from the offline
     * run of its inputs, or the load fails (a refused or wrong answer, the deadline), with one line on stderr;
     * 2 for a bad option, a model that cannot be read, or no service at --url.
     */
    public static void main(String[] args) throws Exception {
        Path model;
        URI url;
        int sessions, steps, concurrency, warmup;
        long seed;
        Duration deadline;
        try {
            Cli c = Cli.parse(args, "--model", "--url", "--sessions", "--steps", "--concurrency", "--seed", "--warmup", "--deadline");
            model = c.path("--model");
            url = c.has("--url") ? URI.create(c.string("--url", null)) : null;
            sessions = c.integer("--sessions", 64, 1, 1_000_000);
            steps = c.integer("--steps", 200, 1, 1_000_000);
            concurrency = c.integer("--concurrency", 8, 1, 4096);
            warmup = c.integer("--warmup", 100, 0, 1_000_000);
            seed = c.number("--seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
            deadline = Duration.ofSeconds(c.number("--deadline", 300, 1, 86_400));
        } catch (IllegalArgumentException e) {
            System.err.println("load-client: " + e.getMessage());
            System.exit(2);
            return;
        }
        Recurrent net;
        try {
            net = PyTorchFormat.read(model);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("load-client: " + e.getMessage());
            System.exit(2);
            return;
        }
        ScoringService local = null;
        URI base;
        if (url != null) {
            base = url;
        } else {
            local = ScoringService.start(ScoringService.Options.defaults(model).withPort(0)
                    .withSessions(Math.max(10_000, 2 * sessions), 600_000, 5_000));
            base = URI.create("http://127.0.0.1:" + local.port());
        }
        int exit = 0;
        try {
            String run = Long.toString(System.nanoTime(), 36);
            if (warmup > 0) {
                run(base, net.config(), "warmup-" + run + "-", sessions, warmup, concurrency, seed + 1, deadline);
                System.out.println("warm-up: " + sessions + " sessions x " + warmup + " steps");
            }
            Result r = run(base, net.config(), "load-" + run + "-", sessions, steps, concurrency, seed, deadline);
            System.out.println(r.summary());
            String diff = check(net, r);
            if (diff != null) {
                System.out.println("MISMATCH: " + diff);
                exit = 1;
            } else {
                System.out.println("every session's outputs equal an offline step loop over its inputs, bit for bit");
            }
        } catch (ExecutionException | TimeoutException e) {
            // a worker's failure (a refused or wrong answer, no connection) or the deadline: one line, not a trace
            Throwable why = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            boolean unreachable = why instanceof ConnectException;
            System.err.println("load-client: " + base + ": " + (unreachable ? "no service answers there (connection refused)"
                    : why instanceof TimeoutException ? "the load did not finish within --deadline " + deadline.toSeconds() + " s"
                    : why.getClass().getSimpleName() + ": " + why.getMessage()));
            exit = unreachable ? 2 : 1;
        } finally {
            if (local != null) local.close();
        }
        if (exit != 0) System.exit(exit);
    }
}
