package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.recurrent.Recurrent;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bound on sessions, idle eviction and DELETE: in the table with a hand-driven clock, then over HTTP. */
class SessionsTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void tableIsBoundedAndSweepsIdleSessionsOnly() throws Exception {
        Recurrent net = PyTorchFormat.read(Http.MODEL);
        AtomicLong now = new AtomicLong();
        try (SessionTable t = new SessionTable(net, 2, 10 * SECOND, 0, now::get)) {
            Session a = t.acquire("a");
            a.lock.unlock();
            t.acquire("b").lock.unlock();
            HttpError full = assertThrows(HttpError.class, () -> t.acquire("c"));
            assertEquals(503, full.status);
            assertEquals("session table full (2 sessions): retry later, or DELETE finished sessions", full.getMessage());
            Session again = t.acquire("a");   // an existing session is still served when the table is full
            assertSame(a, again);
            t.touch(again);
            again.lock.unlock();

            now.addAndGet(10 * SECOND);
            assertEquals(0, t.sweep(), "idle for exactly the timeout: kept");
            now.addAndGet(1);
            // a session whose lock another thread holds (a step running) is not swept
            CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
            Thread stepper = new Thread(() -> {
                a.lock.lock();
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    a.lock.unlock();
                }
            });
            stepper.start();
            held.await();
            assertEquals(1, t.sweep(), "b swept, a busy");
            assertEquals(1, t.size());
            release.countDown();
            stepper.join();
            assertEquals(1, t.sweep(), "a swept once free");
            assertEquals(0, t.size());
            assertEquals(2, t.evicted());
            assertTrue(a.closed);

            Session fresh = t.acquire("a");   // the id starts over with a zero state
            assertNotSame(a, fresh);
            assertEquals(0, fresh.steps);
            fresh.lock.unlock();
            t.acquire("b").lock.unlock();
            assertTrue(t.remove("b"));
            assertTrue(!t.remove("b"));
            t.acquire("c").lock.unlock();     // DELETE made room
            assertEquals(2, t.size());
        }
    }

    @Test
    void serviceAnswers503WhenFull() throws Exception {
        ScoringService.Options o = ScoringService.Options.defaults(Http.MODEL).withPort(0).withSessions(3, 600_000, 5_000);
        try (ScoringService s = ScoringService.start(o)) {
            Http http = new Http(s);
            int in = s.config().inputSize(), p = s.config().outputHidden();
            float[] x = new float[in];
            http.stepOk("s0", x, 1, p);
            http.stepOk("s1", x, 1, p);
            http.stepOk("s2", x, 1, p);
            Http.Reply r = http.step("s3", x);
            assertEquals(503, r.status(), r.body());
            assertEquals("{\"error\":\"session table full (3 sessions): retry later, or DELETE finished sessions\"}\n", r.body());
            assertEquals(3, http.health("sessions"));
            http.stepOk("s0", x, 2, p);   // the sessions there are still served
            assertEquals(204, http.send("DELETE", "/sessions/s1", null).status());
            assertEquals(404, http.send("DELETE", "/sessions/s1", null).status());
            http.stepOk("s3", x, 1, p);   // DELETE made room
            assertEquals(3, http.health("sessions"));
        }
    }

    @Test
    void serviceForgetsIdleSessions() throws Exception {
        ScoringService.Options o = ScoringService.Options.defaults(Http.MODEL).withPort(0).withSessions(3, 300, 50);
        try (ScoringService s = ScoringService.start(o)) {
            Http http = new Http(s);
            int in = s.config().inputSize(), p = s.config().outputHidden();
            float[] x = new float[in];
            x[0] = 1f;
            float[] first = http.stepOk("s0", x, 1, p);
            http.stepOk("s1", x, 1, p);
            // idle for 300 ms, swept every 50 ms: wait (generously, the machine may be loaded) until both are gone
            long deadline = System.nanoTime() + 60 * SECOND;
            while (http.health("sessions") > 0) {
                assertTrue(System.nanoTime() < deadline, "idle sessions still there after 60 s");
                Thread.sleep(50);
            }
            assertEquals(2, http.health("evictedSessions"));
            assertArrayEquals(first, http.stepOk("s0", x, 1, p), "an evicted id starts over from the zero state");
        }
    }
}
