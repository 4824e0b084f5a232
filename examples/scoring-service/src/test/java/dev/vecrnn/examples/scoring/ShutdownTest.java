package dev.vecrnn.examples.scoring;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * close() lets the requests in flight finish, answers 503 to those that arrive meanwhile, then closes the
 * listener and the connections and leaves no thread behind. A request caught on a keep-alive connection as
 * it closes fails on the client (HTTP/1.1 allows no better), but it was never applied: every session's
 * step count equals the 200s its client received.
 */
class ShutdownTest {

    @Test
    void closeFinishesInFlightRequestsThenRefusesConnections() throws Exception {
        ScoringService s = ScoringService.start(ScoringService.Options.defaults(Http.MODEL).withPort(0).withDrainSeconds(30));
        // JDK's HttpServer can leave a connection accepted as stop() runs unclosed (the dispatcher registers
        // it after stop has closed the others), so a request sent on it is never answered: the client's
        // timeout turns that into the failure below, well inside the wait for the clients.
        Http http = new Http(s, java.time.Duration.ofSeconds(10));
        int in = s.config().inputSize();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<List<Integer>>> runs = new ArrayList<>();
        CountDownLatch allServed = new CountDownLatch(4);
        for (int c = 0; c < 4; c++) {
            String id = "c" + c;
            runs.add(clients.submit(() -> {
                List<Integer> statuses = new ArrayList<>();
                for (int t = 0; t < 2000; t++) {
                    try {
                        statuses.add(http.step(id, new float[in]).status());
                        if (t == 0) allServed.countDown();
                    } catch (ConnectException | HttpConnectTimeoutException e) {
                        statuses.add(-1);   // the listener is closed
                        break;
                    } catch (java.io.IOException e) {
                        // a keep-alive connection closed under a request that was not applied, or left open
                        // unanswered past the request timeout (HttpTimeoutException)
                        statuses.add(-2);
                        break;
                    }
                }
                return statuses;
            }));
        }
        assertTrue(allServed.await(60, TimeUnit.SECONDS), "every client served once");
        Thread.sleep(100);
        long t0 = System.nanoTime();
        s.close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        s.close();   // idempotent
        for (Future<List<Integer>> f : runs) {
            List<Integer> st = f.get(120, TimeUnit.SECONDS);
            assertTrue(st.size() > 1 && st.get(0) == 200, "served before close: " + st.subList(0, Math.min(5, st.size())));
            // 200s, then possibly 503 "shutting down", then one failure to connect or a closed connection
            int i = 0;
            while (i < st.size() && st.get(i) == 200) i++;
            int served = i;
            while (i < st.size() && st.get(i) == 503) i++;
            if (i < st.size() && st.get(i) < 0) i++;
            assertEquals(st.size(), i, "statuses in order 200*, 503*, failure?: " + st.subList(Math.max(0, i - 3), st.size()));
            assertEquals(served, s.sessionSteps("c" + runs.indexOf(f)), "steps applied to c" + runs.indexOf(f) + " = 200s received");
        }
        clients.shutdown();
        // the requests in flight take milliseconds; waiting out the whole 30 s drain would be JDK 17's stop(delay)
        assertTrue(closeMillis < 15_000, "close took " + closeMillis + " ms");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertTrue(!t.getName().equals("session-sweeper") && !t.getName().equals("scoring-http") || !t.isAlive(),
                    "thread left running: " + t.getName());
        }
    }
}
