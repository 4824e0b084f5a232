package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.recurrent.Recurrent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Requests racing on one session are applied one at a time and none is lost: 8 threads send 50 steps each
 * to the same session at once; the answers' step numbers are 1..400, each once, and ordering the inputs
 * by the step number each got, an offline step loop reproduces every answer bit for bit.
 */
class OneSessionManyClientsTest {

    @Test
    void racingStepsOnOneSessionAreSerializedAndNoneIsLost() throws Exception {
        Recurrent net = PyTorchFormat.read(Http.MODEL);
        int in = net.config().inputSize(), p = net.config().outputHidden(), threads = 8, each = 50, total = threads * each;
        try (ScoringService s = ScoringService.start(ScoringService.Options.defaults(Http.MODEL).withPort(0))) {
            Http http = new Http(s);
            float[] xs = LoadClient.inputs(99, 0, total, in);
            float[][] byStep = new float[total + 1][];     // the answer's outputs, by its step number
            int[] inputOf = new int[total + 1];            // which input got that step number
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<String>> runs = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int first = w * each;
                runs.add(pool.submit(() -> {
                    for (int k = first; k < first + each; k++) {
                        float[] x = java.util.Arrays.copyOfRange(xs, k * in, (k + 1) * in);
                        Http.Reply r = http.step("shared", x);
                        if (r.status() != 200) return "input " + k + ": HTTP " + r.status() + " " + r.body();
                        Json.StepReply reply = Json.parseReply(r.body().getBytes(StandardCharsets.UTF_8), p);
                        int n = (int) reply.step();
                        synchronized (byStep) {
                            if (n < 1 || n > total || byStep[n] != null) return "input " + k + ": step number " + n + " again or out of range";
                            byStep[n] = reply.outputs();
                            inputOf[n] = k;
                        }
                    }
                    return null;
                }));
            }
            for (Future<String> f : runs) assertNull(f.get(120, TimeUnit.SECONDS));
            pool.shutdown();
            assertEquals(total, s.sessionSteps("shared"));
            float[] ordered = new float[total * in];
            for (int n = 1; n <= total; n++) System.arraycopy(xs, inputOf[n] * in, ordered, (n - 1) * in, in);
            float[] want = Offline.stepLoop(net, ordered, total);
            for (int n = 1; n <= total; n++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(want, (n - 1) * p, n * p), byStep[n], "step " + n);
            }
        }
    }
}
