package dev.vecrnn.examples.scoring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A test's client of one service on the loopback address. */
final class Http {
    static final Path MODEL = Path.of(System.getProperty("scoring.model", "model"));

    record Reply(int status, String body) {
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final URI base;
    private final Duration requestTimeout;

    Http(ScoringService s) {
        this(s, Duration.ofSeconds(60));
    }

    /** A client whose requests fail with {@link java.net.http.HttpTimeoutException} after {@code requestTimeout}. */
    Http(ScoringService s, Duration requestTimeout) {
        this.base = URI.create("http://127.0.0.1:" + s.port());
        this.requestTimeout = requestTimeout;
    }

    Reply send(String method, String path, String body) throws Exception {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(requestTimeout).method(method, p).build();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    Reply step(String id, float[] x) throws Exception {
        StringBuilder b = new StringBuilder("{\"x\":[");
        for (int i = 0; i < x.length; i++) b.append(i == 0 ? "" : ",").append(x[i]);
        return send("POST", "/sessions/" + id + "/step", b.append("]}").toString());
    }

    /** The outputs of a step that must succeed, checking its session and step number. */
    float[] stepOk(String id, float[] x, long expectedStep, int outputs) throws Exception {
        Reply r = step(id, x);
        if (r.status() != 200) throw new AssertionError("step " + expectedStep + " of " + id + ": HTTP " + r.status() + " " + r.body());
        Json.StepReply s = Json.parseReply(r.body().getBytes(StandardCharsets.UTF_8), outputs);
        if (!s.session().equals(id) || s.step() != expectedStep) {
            throw new AssertionError("expected step " + expectedStep + " of " + id + ", got " + r.body());
        }
        return s.outputs();
    }

    /** A number field of GET /health. */
    long health(String field) throws Exception {
        Reply r = send("GET", "/health", null);
        if (r.status() != 200) throw new AssertionError("health: HTTP " + r.status() + " " + r.body());
        var m = java.util.regex.Pattern.compile("\"" + field + "\":(\\d+)").matcher(r.body());
        if (!m.find()) throw new AssertionError("health: no " + field + " in " + r.body());
        return Long.parseLong(m.group(1));
    }
}
