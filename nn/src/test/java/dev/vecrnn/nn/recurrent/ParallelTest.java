package dev.vecrnn.nn.recurrent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The team that runs the parts of a fork: coverage, failures, nested forks, and callers that find it busy. */
@Timeout(120) // a lost part would leave its caller waiting for ever
class ParallelTest {

    // every row of every fork is run exactly once, by the part the split gives it; plain arrays, so that
    // what the parts wrote is seen only through the fork's own happens-before edges
    private static void forkAndCheck(int threads, int rows) {
        int[] hits = new int[rows];
        int[] partOf = new int[rows];
        int parts = Parallel.parts(threads, rows);
        Parallel.rows(threads, rows, (part, from, to) -> {
            for (int r = from; r < to; r++) {
                hits[r]++;
                partOf[r] = part;
            }
        });
        for (int r = 0; r < rows; r++) {
            assertEquals(1, hits[r], "row " + r + " of " + rows + " with " + threads + " threads");
            int expected = 0;
            while (expected + 1 < parts && r >= (long) rows * (expected + 1) / parts) expected++;
            assertEquals(expected, partOf[r], "part of row " + r);
        }
    }

    @Test
    void everyRowRunsOnceInItsPart() {
        for (int threads = 1; threads <= 5; threads++) {
            for (int rows : new int[] {1, 3, 4, 7, 8, 21, 32, 2048}) forkAndCheck(threads, rows);
        }
    }

    @Test
    void aFailingPartReachesTheCallerAfterEveryPartHasEnded() {
        boolean[] slowPartEnded = new boolean[1];
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.rows(3, 64, (part, from, to) -> {
            if (part == 1) {
                sleep(5); // far past the spin: the caller parks, and the part's end must wake it
                slowPartEnded[0] = true;
                throw new IllegalStateException("part 1 failed");
            }
            if (part == 2) throw new IllegalStateException("part 2 failed");
        }));
        assertEquals("part 1 failed", e.getMessage(), "the first part's failure, in part order");
        assertEquals(1, e.getSuppressed().length);
        assertEquals("part 2 failed", e.getSuppressed()[0].getMessage());
        assertTrue(slowPartEnded[0], "the caller returned before its slow part ended");
        AssertionError a = assertThrows(AssertionError.class, () -> Parallel.rows(3, 64, (part, from, to) -> {
            if (part == 0) throw new AssertionError("part 0 failed");
        }));
        assertEquals("part 0 failed", a.getMessage());
        assertEquals(0, a.getSuppressed().length);
        forkAndCheck(3, 64);
    }

    @Test
    void workersThatHaveParkedAreWokenForTheNextFork() {
        for (int i = 0; i < 5; i++) {
            forkAndCheck(2, 32);
            sleep(3); // far past the spin: the workers park between these forks
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPartMayForkItself() {
        AtomicIntegerArray hits = new AtomicIntegerArray(64 * 16);
        Parallel.rows(2, 64, (part, from, to) -> {
            for (int r = from; r < to; r++) {
                int row = r;
                Parallel.rows(2, 16, (p2, f2, t2) -> {
                    for (int c = f2; c < t2; c++) hits.incrementAndGet(row * 16 + c);
                });
            }
        });
        for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i), "cell " + i);
    }

    @Test
    void callersThatFindTheTeamBusyRunTheirOwnParts() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            AtomicInteger forks = new AtomicInteger();
            Future<?>[] fs = new Future<?>[3];
            for (int c = 0; c < fs.length; c++) {
                fs[c] = callers.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        forkAndCheck(2 + i % 2, 16 + i % 50);
                        forks.incrementAndGet();
                    }
                });
            }
            for (Future<?> f : fs) f.get();
            assertEquals(900, forks.get());
        } finally {
            callers.shutdownNow();
        }
    }
}
