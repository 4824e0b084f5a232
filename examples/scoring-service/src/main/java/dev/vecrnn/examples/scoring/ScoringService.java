package dev.vecrnn.examples.scoring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * An HTTP service that scores event streams with a PyTorch-trained recurrent network: one shared,
 * immutable {@link Recurrent} (read once at start-up), one {@link dev.vecrnn.nn.recurrent.StreamState} per
 * session, one step per event.
 *
 * <ul>
 *   <li>{@code POST /sessions/{id}/step} with {@code {"x": [I floats]}}: advances session {@code id}
 *       (created by its first step) and answers {@code {"session": id, "step": n, "outputs": [Hout floats]}}.
 *   <li>{@code DELETE /sessions/{id}}: forgets the session (204; 404 when there is none).
 *   <li>{@code GET /health}: the model's shape, the sessions and the memory each one takes.
 * </ul>
 *
 * A refused request gets a 4xx (or 503) and {@code {"error": "one line"}}, and changes nothing: the body is
 * read and checked in full before any session is looked up or created. Requests run on a bounded pool;
 * when its queue is full the HTTP dispatcher runs the request itself, which stops it accepting more
 * meanwhile (back-pressure instead of an unbounded queue).
 */
public final class ScoringService implements AutoCloseable {
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_ID_CHARS = 64;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~-]{1," + MAX_ID_CHARS + "}");
    private static final String SESSIONS = "/sessions/";
    private static final System.Logger LOG = System.getLogger("dev.vecrnn.examples.scoring");

    static {
        // The JDK's server writes a response's headers and body in separate packets; with Nagle's algorithm
        // on, the body waits for the client's delayed ACK of the headers: 40 ms a request on Linux. The
        // property is read once, when the first server is made; a value given on the command line wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final Recurrent net;
    private final RecurrentConfig config;
    private final SessionTable sessions;
    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int drainSeconds;
    private volatile boolean closed;

    /** Options of {@link #start}; {@code port} 0 picks a free one. */
    public record Options(Path model, String host, int port, int maxSessions, long idleTimeoutMillis,
                          long sweepEveryMillis, int threads, int queue, int drainSeconds) {
        public static Options defaults(Path model) {
            return new Options(model, "127.0.0.1", 8080, 10_000, 10 * 60_000L, 5_000L,
                    Math.max(2, Runtime.getRuntime().availableProcessors()), 1024, 5);
        }

        public Options withPort(int p) {
            return new Options(model, host, p, maxSessions, idleTimeoutMillis, sweepEveryMillis, threads, queue, drainSeconds);
        }

        public Options withDrainSeconds(int d) {
            return new Options(model, host, port, maxSessions, idleTimeoutMillis, sweepEveryMillis, threads, queue, d);
        }

        public Options withSessions(int max, long idleMillis, long sweepMillis) {
            return new Options(model, host, port, max, idleMillis, sweepMillis, threads, queue, drainSeconds);
        }
    }

    private ScoringService(Recurrent net, Options o) throws IOException {
        this.net = net;
        this.config = net.config();
        this.drainSeconds = o.drainSeconds();
        this.sessions = new SessionTable(net, o.maxSessions(), TimeUnit.MILLISECONDS.toNanos(o.idleTimeoutMillis()),
                TimeUnit.MILLISECONDS.toNanos(o.sweepEveryMillis()), System::nanoTime);
        this.pool = new ThreadPoolExecutor(o.threads(), o.threads(), 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(o.queue()),
                r -> new Thread(r, "scoring-http"), new ThreadPoolExecutor.CallerRunsPolicy());
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(o.host()), o.port()), 0);
        } catch (IOException e) {
            pool.shutdown();
            sessions.close();
            throw new IOException(o.host() + ":" + o.port() + ": " + e.getMessage(), e);
        }
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Reads the model (a PyTorch directory: model.safetensors and config.json) and starts serving.
     *
     * @throws IOException naming the file and the problem when the model cannot be read, or when the port
     *                     cannot be bound
     */
    public static ScoringService start(Options o) throws IOException {
        Recurrent net = PyTorchFormat.read(o.model());
        if (net.config().bidirectional()) {
            throw new IOException(o.model() + ": a bidirectional network needs whole sequences; this service steps events one at a time");
        }
        return new ScoringService(net, o);
    }

    /** Steps taken by session {@code id}, or -1 when there is none (for tests; readable after close too). */
    long sessionSteps(String id) {
        return sessions.steps(id);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public RecurrentConfig config() {
        return config;
    }

    private void handle(HttpExchange ex) throws IOException {
        inFlight.incrementAndGet();
        try (ex) {
            int status = 200;
            byte[] body;
            try {
                if (closed) {
                    ex.getResponseHeaders().set("Connection", "close");   // the client stops reusing this connection
                    throw new HttpError(503, "shutting down");
                }
                body = route(ex);
                if (body == null) status = 204;
            } catch (HttpError e) {
                status = e.status;
                body = Json.error(e.getMessage());
            } catch (RuntimeException e) {
                // the checks above leave nothing the library should refuse; if it does, the trace goes to the log
                LOG.log(System.Logger.Level.ERROR, ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath(), e);
                status = 500;
                String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                body = Json.error("internal error: " + e.getClass().getSimpleName() + ": " + m);
            }
            if (body == null) {
                ex.sendResponseHeaders(status, -1);
            } else {
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(status, body.length);
                ex.getResponseBody().write(body);
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private byte[] route(HttpExchange ex) throws HttpError, IOException {
        String path = ex.getRequestURI().getRawPath();
        if (path.equals("/health")) {
            requireMethod(ex, "GET");
            return healthJson();
        }
        if (path.startsWith(SESSIONS)) {
            String rest = path.substring(SESSIONS.length());
            if (rest.endsWith("/step")) {
                String id = sessionId(rest.substring(0, rest.length() - "/step".length()));
                requireMethod(ex, "POST");
                return step(id, readBody(ex));
            }
            String id = sessionId(rest);
            requireMethod(ex, "DELETE");
            if (!sessions.remove(id)) throw new HttpError(404, "no session " + Json.quote(id));
            return null;
        }
        throw new HttpError(404, "no such endpoint " + Json.quote(path) + ": expected POST /sessions/{id}/step, DELETE /sessions/{id} or GET /health");
    }

    private static void requireMethod(HttpExchange ex, String method) throws HttpError {
        if (!ex.getRequestMethod().equals(method)) {
            ex.getResponseHeaders().set("Allow", method);
            throw new HttpError(405, "method " + Json.quote(ex.getRequestMethod()) + " not allowed here: expected " + method);
        }
    }

    private static String sessionId(String raw) throws HttpError {
        if (!ID.matcher(raw).matches()) {
            throw new HttpError(400, "session id: expected 1 to " + MAX_ID_CHARS + " characters of A-Z a-z 0-9 . _ ~ -, got " + Json.quote(raw));
        }
        return raw;
    }

    private static byte[] readBody(HttpExchange ex) throws HttpError, IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long n;
            try {
                n = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length: expected a number, got " + Json.quote(declared));
            }
            if (n > MAX_BODY_BYTES) throw new HttpError(413, "body too large: " + n + " bytes, at most " + MAX_BODY_BYTES);
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY_BYTES + 1);
            if (b.length > MAX_BODY_BYTES) throw new HttpError(413, "body too large: more than " + MAX_BODY_BYTES + " bytes");
            return b;
        }
    }

    // body {"x": [I]} -> {"session", "step", "outputs": [Hout]}
    private byte[] step(String id, byte[] body) throws HttpError {
        float[] x = Json.parseStep(body, config.inputSize());   // all checks before the session is touched
        Session s = sessions.acquire(id);
        long n;
        float[] out;
        try {
            net.step(x, s.state, s.out);
            n = ++s.steps;
            out = s.out.clone();
            sessions.touch(s);
        } finally {
            s.lock.unlock();
        }
        steps.incrementAndGet();
        return Json.step(id, n, out);
    }

    /** What {@code GET /health} reports about the sessions. */
    public record Health(int sessions, int maxSessions, long evictedSessions, long steps, long stateFloatsPerSession,
                         long bytesPerSession) {
    }

    public Health health() {
        return new Health(sessions.size(), sessions.maxSessions(), sessions.evicted(), steps.get(),
                SessionTable.stateFloats(config), SessionTable.bytesPerSession(config, MAX_ID_CHARS));
    }

    private byte[] healthJson() {
        Health h = health();
        return Json.write(g -> {
            g.writeStringField("status", closed ? "closing" : "ok");
            g.writeObjectFieldStart("model");
            g.writeStringField("type", config.type().name());
            g.writeNumberField("inputSize", config.inputSize());
            g.writeNumberField("hiddenSize", config.hiddenSize());
            g.writeNumberField("numLayers", config.numLayers());
            g.writeNumberField("outputs", config.outputHidden());
            g.writeEndObject();
            g.writeNumberField("sessions", h.sessions());
            g.writeNumberField("maxSessions", h.maxSessions());
            g.writeNumberField("idleTimeoutMillis", TimeUnit.NANOSECONDS.toMillis(sessions.idleTimeoutNanos()));
            g.writeNumberField("stateFloatsPerSession", h.stateFloatsPerSession());
            g.writeNumberField("bytesPerSession", h.bytesPerSession());
            g.writeNumberField("evictedSessions", h.evictedSessions());
            g.writeNumberField("steps", h.steps());
        });
    }

    /**
     * Shuts down: from now on every request is answered 503 "shutting down"; the requests in flight finish
     * (waiting up to the drain time); then the listener and the connections are closed and the request
     * threads and the sweeper stopped. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // JDK 17's HttpServer.stop(delay) waits the whole delay even when nothing is in flight (fixed in 21),
        // so the service waits for its own requests and then stops the server at once.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
        try {
            while (inFlight.get() > 0 && System.nanoTime() < end) Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) pool.shutdownNow();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        sessions.close();
    }

    /**
     * {@code --model DIR [--host 127.0.0.1] [--port 8080] [--max-sessions 10000] [--idle-timeout SECONDS]
     * [--threads N]}; stops cleanly on SIGINT/SIGTERM.
     */
    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Cli.serviceOptions(args);
        } catch (IllegalArgumentException e) {
            System.err.println("scoring-service: " + e.getMessage());
            System.exit(2);
            return;
        }
        ScoringService s;
        try {
            s = start(o);
        } catch (IOException e) {
            System.err.println("scoring-service: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.close();
            System.out.println("scoring-service: stopped");
        }, "scoring-shutdown"));
        RecurrentConfig c = s.config();
        System.out.println("scoring-service: " + c.type() + " " + c.inputSize() + " -> " + c.outputHidden() + " x " + c.numLayers()
                + " layers from " + o.model() + ", listening on http://" + o.host() + ":" + s.port()
                + " (at most " + o.maxSessions() + " sessions, about " + SessionTable.bytesPerSession(c, MAX_ID_CHARS)
                + " bytes each, idle ones dropped after " + o.idleTimeoutMillis() / 1000 + " s)");
    }
}
