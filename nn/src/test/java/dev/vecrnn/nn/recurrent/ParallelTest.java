package dev.vecrnn.nn.recurrent;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The team that runs the parts of a fork: coverage, failures, and callers that find it busy. */
class ParallelTest {

    // every row of every fork is run exactly once, by the part the split gives it
    private static void forkAndCheck(int threads, int rows) {
        AtomicIntegerArray hits = new AtomicIntegerArray(rows);
        int parts = Parallel.parts(threads, rows);
        AtomicIntegerArray partOf = new AtomicIntegerArray(rows);
        Parallel.rows(threads, rows, (part, from, to) -> {
            for (int r = from; r < to; r++) {
                hits.incrementAndGet(r);
                partOf.set(r, part);
            }
        });
        for (int r = 0; r < rows; r++) {
            assertEquals(1, hits.get(r), "row " + r + " of " + rows + " with " + threads + " threads");
            int expected = 0;
            while (expected + 1 < parts && r >= (long) rows * (expected + 1) / parts) expected++;
            assertEquals(expected, partOf.get(r), "part of row " + r);
        }
    }

    @Test
    void everyRowRunsOnceInItsPart() {
        for (int threads = 1; threads <= 5; threads++) {
            for (int rows : new int[] {1, 3, 4, 7, 8, 21, 32, 2048}) forkAndCheck(threads, rows);
        }
    }

    @Test
    void aFailingPartReachesTheCallerAndTheTeamGoesOn() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.rows(2, 64, (part, from, to) -> {
            if (part == 1) throw new IllegalStateException("part 1 failed");
        }));
        assertEquals("part 1 failed", e.getMessage());
        AssertionError a = assertThrows(AssertionError.class, () -> Parallel.rows(3, 64, (part, from, to) -> {
            if (part == 0) throw new AssertionError("part 0 failed");
        }));
        assertEquals("part 0 failed", a.getMessage());
        forkAndCheck(3, 64);
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
