package dev.vecrnn.nn.recurrent;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/**
 * Splits the rows of a batched product into contiguous parts run on a shared pool of daemon threads.
 * A part's rows are computed exactly as they would be alone, so products whose rows are independent
 * give the same bits with any thread count; only reductions across rows (weight gradients) depend on
 * the split, and a given thread count always splits the same way.
 */
final class Parallel {
    /**
     * Work below this many rows stays on the calling thread (the hand-off would cost more). It also keeps
     * results independent of the thread count: the Vector API gate products take a different (streaming)
     * path below 4 rows, so no part may be smaller than that.
     */
    static final int MIN_ROWS_PER_PART = 4;
    private static volatile ExecutorService pool;
    private static int poolSize;

    interface RowTask {
        void run(int part, int from, int to);
    }

    private Parallel() {
    }

    /** How many parts {@code rows} rows split into for {@code threads} threads. */
    static int parts(int threads, int rows) {
        return Math.max(1, Math.min(threads, rows / MIN_ROWS_PER_PART));
    }

    /** Runs task over [0, rows) in {@link #parts} contiguous parts; part 0 on the calling thread. */
    static void rows(int threads, int rows, RowTask task) {
        int parts = parts(threads, rows);
        if (parts == 1) {
            task.run(0, 0, rows);
            return;
        }
        ExecutorService ex = pool(parts - 1);
        @SuppressWarnings("unchecked")
        Future<?>[] fs = new Future<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int part = p, from = (int) ((long) rows * p / parts), to = (int) ((long) rows * (p + 1) / parts);
            fs[p - 1] = ex.submit(() -> task.run(part, from, to));
        }
        task.run(0, 0, (int) ((long) rows / parts));
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a parallel part", e);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) throw re;
                if (c instanceof Error er) throw er;
                throw new IllegalStateException(c);
            }
        }
    }

    private static synchronized ExecutorService pool(int workers) {
        if (pool == null || poolSize < workers) {
            ExecutorService old = pool;
            ThreadFactory tf = r -> {
                Thread t = new Thread(r, "vecrnn-worker");
                t.setDaemon(true);
                return t;
            };
            pool = Executors.newFixedThreadPool(workers, tf);
            poolSize = workers;
            if (old != null) old.shutdown();
        }
        return pool;
    }
}
