package dev.vecrnn.examples.scoring;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** close() lets the requests in flight finish, then refuses connections and leaves no thread behind. */
class ShutdownTest {

    @Test
    void closeFinishesInFlightRequestsThenRefusesConnections() throws Exception {
        ScoringService s = ScoringService.start(ScoringService.Options.defaults(Http.MODEL).withPort(0));
        Http http = new Http(s);
        int in = s.config().inputSize();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<List<Integer>>> runs = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            String id = "c" + c;
            runs.add(clients.submit(() -> {
                List<Integer> statuses = new ArrayList<>();
                for (int t = 0; t < 2000; t++) {
                    try {
                        statuses.add(http.step(id, new float[in]).status());
                    } catch (ConnectException | HttpConnectTimeoutException e) {
                        statuses.add(-1);   // the listener is closed
                        break;
                    } catch (java.io.IOException e) {
                        statuses.add(-2);   // a connection closed under a request: must not happen
                        break;
                    }
                }
                return statuses;
            }));
        }
        Thread.sleep(500);
        long t0 = System.nanoTime();
        s.close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        s.close();   // idempotent
        for (Future<List<Integer>> f : runs) {
            List<Integer> st = f.get(60, TimeUnit.SECONDS);
            assertTrue(st.size() > 1 && st.get(0) == 200, "served before close: " + st.subList(0, Math.min(5, st.size())));
            // 200s, then possibly 503 "shutting down", then refused connections; never a broken exchange
            int i = 0;
            while (i < st.size() && st.get(i) == 200) i++;
            while (i < st.size() && st.get(i) == 503) i++;
            while (i < st.size() && st.get(i) == -1) i++;
            assertEquals(st.size(), i, "statuses in order 200*, 503*, refused*: " + st.subList(Math.max(0, i - 3), st.size()));
        }
        clients.shutdown();
        assertTrue(closeMillis < 5_000, "close took " + closeMillis + " ms");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertTrue(!t.getName().equals("session-sweeper") && !t.getName().equals("scoring-http") || !t.isAlive(),
                    "thread left running: " + t.getName());
        }
    }
}
