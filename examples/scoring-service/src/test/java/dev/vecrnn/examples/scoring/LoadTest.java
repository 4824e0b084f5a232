package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.recurrent.Recurrent;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * 64 sessions x 200 steps from 8 client threads, sessions interleaved across threads and connections:
 * every session's outputs must equal an offline run of its own inputs, so no state leaks between sessions
 * under concurrency. The deadline is generous (correctness must not hang on a loaded machine); the
 * throughput and latencies printed are indicative only.
 */
class LoadTest {
    static final int SESSIONS = 64, STEPS = 200, CONCURRENCY = 8;

    @Test
    void concurrentSessionsEqualTheirOfflineRuns() throws Exception {
        Recurrent net = PyTorchFormat.read(Http.MODEL);
        int p = net.config().outputHidden();
        try (ScoringService s = ScoringService.start(ScoringService.Options.defaults(Http.MODEL).withPort(0))) {
            URI base = URI.create("http://127.0.0.1:" + s.port());
            LoadClient.Result r = LoadClient.run(base, net.config(), "load-", SESSIONS, STEPS, CONCURRENCY, 7, Duration.ofSeconds(120));
            System.out.println("LoadTest: " + r.summary());
            assertEquals(SESSIONS, s.health().sessions());

            // bit for bit what one fresh state stepped over the same inputs on one thread gives
            assertNull(LoadClient.check(net, r));

            // and what one forward over each whole sequence gives: within 1e-6, since that path multiplies the
            // inputs of all steps at once (another summation order), so it need not agree to the last bit
            double worst = 0;
            for (int i = 0; i < SESSIONS; i++) {
                float[] seq = Offline.sequence(net, r.inputs()[i], STEPS), got = r.outputs()[i];
                for (int j = 0; j < seq.length; j++) {
                    assertEquals(seq[j], got[j], 1e-6, "session " + i + ", step " + (j / p + 1) + ", output " + j % p);
                    worst = Math.max(worst, Math.abs(seq[j] - got[j]));
                }
            }
            System.out.printf("LoadTest: largest difference from a forward over the whole sequence %.2e%n", worst);
        }
    }
}
