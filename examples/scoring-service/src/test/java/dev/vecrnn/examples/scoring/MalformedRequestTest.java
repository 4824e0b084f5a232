package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.recurrent.Recurrent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every malformed request gets a 4xx with a one-line JSON message and changes nothing: a session stepped
 * between bad requests ends with exactly the outputs of an offline run that never saw them, its step count
 * never skips, and bad requests for new ids create no session.
 */
class MalformedRequestTest {
    static ScoringService service;
    static Http http;
    static Recurrent net;

    @BeforeAll
    static void start() throws Exception {
        service = ScoringService.start(ScoringService.Options.defaults(Http.MODEL).withPort(0));
        http = new Http(service);
        net = PyTorchFormat.read(Http.MODEL);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    /** A bad request: method, path, body, and the status and words its answer must have. */
    record Bad(String method, String path, String body, int status, String says) {
    }

    static String nums(int n, String last) {
        StringBuilder b = new StringBuilder("{\"x\":[");
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ",").append(i == n - 1 && last != null ? last : "0.5");
        return b.append("]}").toString();
    }

    static List<Bad> bad(String id) {
        String step = "/sessions/" + id + "/step";
        List<Bad> l = new ArrayList<>();
        l.add(new Bad("POST", step, "not json", 400, "malformed JSON"));
        l.add(new Bad("POST", step, "", 400, "expected a JSON object"));
        l.add(new Bad("POST", step, "[0.5]", 400, "expected a JSON object"));
        l.add(new Bad("POST", step, "{}", 400, "missing field \"x\""));
        l.add(new Bad("POST", step, "{\"y\":[1]}", 400, "unexpected field \"y\""));
        l.add(new Bad("POST", step, "{\"x\":5}", 400, "expected an array of 8 numbers"));
        l.add(new Bad("POST", step, nums(7, null), 400, "expected 8 numbers, got 7"));
        l.add(new Bad("POST", step, nums(9, null), 400, "expected 8 numbers, got more"));
        l.add(new Bad("POST", step, nums(8, "NaN"), 400, "malformed JSON: Non-standard token 'NaN'"));
        l.add(new Bad("POST", step, nums(8, "Infinity"), 400, "malformed JSON"));
        l.add(new Bad("POST", step, nums(8, "-Infinity"), 400, "malformed JSON"));
        l.add(new Bad("POST", step, nums(8, "1e39"), 400, "\"x\"[7]: expected a finite float, got 1e39"));
        l.add(new Bad("POST", step, nums(8, "\"0.5\""), 400, "\"x\"[7]: expected a number, got a string"));
        l.add(new Bad("POST", step, nums(8, "null"), 400, "\"x\"[7]: expected a number, got null"));
        l.add(new Bad("POST", step, nums(8, "[1]"), 400, "\"x\"[7]: expected a number, got an array"));
        l.add(new Bad("POST", step, nums(8, null).replace("}", ",\"x\":[1]}"), 400, "Duplicate field 'x'"));
        l.add(new Bad("POST", step, nums(8, null) + " {}", 400, "unexpected content after the JSON object"));
        l.add(new Bad("POST", step, nums(8, null).substring(0, 20), 400, "malformed JSON"));
        l.add(new Bad("POST", step, "{\"x\":[" + "0.5,".repeat(5000) + "0.5]}", 413, "body too large"));
        l.add(new Bad("GET", step, null, 405, "expected POST"));
        l.add(new Bad("PUT", step, nums(8, null), 405, "expected POST"));
        l.add(new Bad("POST", "/health", "{}", 405, "expected GET"));
        l.add(new Bad("GET", "/sessions/" + id, null, 405, "expected DELETE"));
        l.add(new Bad("POST", "/sessions//step", nums(8, null), 400, "session id: expected 1 to 64 characters"));
        l.add(new Bad("POST", "/sessions/a%20b/step", nums(8, null), 400, "session id"));
        l.add(new Bad("POST", "/sessions/" + "a".repeat(65) + "/step", nums(8, null), 400, "session id"));
        l.add(new Bad("POST", "/sessions/" + id + "/step/more", nums(8, null), 400, "session id"));
        l.add(new Bad("POST", "/score", nums(8, null), 404, "no such endpoint"));
        l.add(new Bad("DELETE", "/sessions/never-made", null, 404, "no session \"never-made\""));
        return l;
    }

    @Test
    void badRequestsAreRefusedAndChangeNoState() throws Exception {
        String id = "steady";
        int in = net.config().inputSize(), p = net.config().outputHidden();
        List<Bad> cases = bad(id);
        float[] xs = LoadClient.inputs(42, 0, cases.size() + 1, in);
        float[] outs = new float[(cases.size() + 1) * p];
        float[] x = new float[in];
        long sessionsBefore = http.health("sessions");
        for (int t = 0; t <= cases.size(); t++) {
            System.arraycopy(xs, t * in, x, 0, in);
            System.arraycopy(http.stepOk(id, x, t + 1, p), 0, outs, t * p, p);   // the step count never skips
            if (t == cases.size()) break;
            Bad b = cases.get(t);
            Http.Reply r = http.send(b.method(), b.path(), b.body());
            assertEquals(b.status(), r.status(), b + " -> " + r.body());
            assertTrue(r.body().startsWith("{\"error\":\"") && r.body().endsWith("\"}\n") && r.body().indexOf('\n') == r.body().length() - 1,
                    "one line of JSON: " + r.body());
            assertTrue(r.body().contains(b.says().replace("\"", "\\\"")), b + " -> " + r.body());
            assertTrue(!r.body().contains("enable `"), "no advice to the developer: " + r.body());
            assertEquals(sessionsBefore + 1, http.health("sessions"), "no session made by " + b);
        }
        assertArrayEquals(Offline.stepLoop(net, xs, cases.size() + 1), outs, "outputs of the good steps alone");
    }

    @Test
    void refusedFirstStepsCreateNoSession() throws Exception {
        long before = http.health("sessions");
        for (Bad b : bad("fresh")) {
            http.send(b.method(), b.path(), b.body());
        }
        assertEquals(before, http.health("sessions"));
        assertEquals(404, http.send("DELETE", "/sessions/fresh", null).status());
    }
}
