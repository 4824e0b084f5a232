package dev.vecrnn.nn.recurrent;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits the rows of a batched product into contiguous parts run on a shared team of daemon threads.
 * A part's rows are computed exactly as they would be alone, so products whose rows are independent
 * give the same bits with any thread count; only reductions across rows (weight gradients) depend on
 * the split, and a given thread count always splits the same way.
 *
 * <p>Training forks once per time step (a step's product and pointwise work for its rows), 128 times
 * an iteration at T = 64, each part some tens of microseconds. A thread pool's hand-off parks its
 * workers between tasks, and waking a parked thread costs tens of microseconds on a virtual machine,
 * as much as the part itself. So the team's workers spin for a while ({@link #SPIN_NANOS}) after each
 * part before they park, and the caller spins as long while it waits: a fork costs a few hundred
 * nanoseconds while the team is warm. Where there are more parts than processors to run them (a
 * process pinned to one core), a waiting thread yields its core instead of spinning on it: the thread it
 * waits for may be queued behind it. One caller at a time uses the team; another caller that finds it
 * busy runs its parts itself, in order (the same bits: the split and the parts do not change).
 */
final class Parallel {
    /**
     * Work below this many rows stays on the calling thread (the hand-off would cost more). It also keeps
     * results independent of the thread count: the Vector API gate products take a different (streaming)
     * path below 4 rows, so no part may be smaller than that.
     */
    static final int MIN_ROWS_PER_PART = 4;
    /** How long a worker (or a waiting caller) spins before it parks. */
    static final long SPIN_NANOS = 200_000;
    private static Team team;

    interface RowTask {
        void run(int part, int from, int to);
    }

    private Parallel() {
    }

    /** How many parts {@code rows} rows split into for {@code threads} threads. */
    static int parts(int threads, int rows) {
        return Math.max(1, Math.min(threads, rows / MIN_ROWS_PER_PART));
    }

    /** First row of part {@code p} of {@code parts}. */
    static int from(int rows, int p, int parts) {
        return (int) ((long) rows * p / parts);
    }

    /** Runs task over [0, rows) in {@link #parts} contiguous parts; part 0 on the calling thread. */
    static void rows(int threads, int rows, RowTask task) {
        int parts = parts(threads, rows);
        if (parts == 1) {
            task.run(0, 0, rows);
            return;
        }
        Team t = team(parts - 1);
        if (t.lock.isHeldByCurrentThread() || !t.lock.tryLock()) {
            // another caller has the team, or this one from within a part (the lock is reentrant, the team's
            // fork is not): run the same parts here, one after the other
            for (int p = 0; p < parts; p++) task.run(p, from(rows, p, parts), from(rows, p + 1, parts));
            return;
        }
        try {
            t.yield = parts > processors();
            t.run(parts, rows, task);
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * One round of waiting, spins rounds since start: false once it is time to park. Where the team's
     * threads outnumber the processors this process may use (pinned to one core, a container's CPU quota),
     * the thread being waited for may need this very core, so every round past the first few yields it;
     * otherwise the round spins, which reacts within nanoseconds.
     */
    private static boolean spin(int spins, long start, boolean yield) {
        if (spins < 64) {
            Thread.onSpinWait();
            return true;
        }
        if (System.nanoTime() - start >= SPIN_NANOS) return false;
        if (yield) Thread.yield();
        else Thread.onSpinWait();
        return true;
    }

    private static volatile long processorsCheckedAt = System.nanoTime();
    private static volatile int processors = Runtime.getRuntime().availableProcessors();

    /** Processors this process may use (affinity, container quota), checked again at most once a second. */
    private static int processors() {
        long now = System.nanoTime();
        if (now - processorsCheckedAt > 1_000_000_000L) {
            processors = Runtime.getRuntime().availableProcessors();
            processorsCheckedAt = now;
        }
        return processors;
    }

    private static synchronized Team team(int workers) {
        if (team == null || team.workers.length < workers) {
            // a larger team replaces the old one; the old one's workers park for good once idle
            team = new Team(workers);
        }
        return team;
    }

    /** Workers that take part p + 1 of a fork, the caller taking part 0. */
    private static final class Team {
        final ReentrantLock lock = new ReentrantLock();
        final Worker[] workers;
        final AtomicInteger pending = new AtomicInteger();
        volatile Thread waiter;
        volatile boolean waiterParked;
        // the current fork, written by the caller before it signals the workers
        RowTask task;
        int rows;
        int parts;
        final Throwable[] failures; // by part, each written by the thread that runs the part
        volatile boolean yield; // more parts than processors: waiting threads yield their core (see spin)

        Team(int n) {
            workers = new Worker[n];
            failures = new Throwable[n + 1];
            for (int i = 0; i < n; i++) {
                workers[i] = new Worker(this, i + 1);
                Thread th = new Thread(workers[i], "vecrnn-worker-" + (i + 1));
                th.setDaemon(true);
                workers[i].thread = th;
                th.start();
            }
        }

        void run(int parts, int rows, RowTask task) {
            this.task = task;
            this.rows = rows;
            this.parts = parts;
            this.waiter = Thread.currentThread();
            pending.set(parts - 1);
            for (int i = 0; i < parts - 1; i++) workers[i].signal();
            try {
                task.run(0, 0, from(rows, 1, parts));
            } catch (Throwable e) {
                failures[0] = e;
            }
            awaitParts();
            this.task = null;
            // the first part's failure (in part order), with any other part's added to it as suppressed
            Throwable f = null;
            for (int p = 0; p < parts; p++) {
                Throwable e = failures[p];
                failures[p] = null;
                if (e == null) continue;
                if (f == null) f = e;
                else if (e != f) f.addSuppressed(e);
            }
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error er) throw er;
            if (f != null) throw new IllegalStateException(f);
        }

        private void awaitParts() {
            long start = System.nanoTime();
            int spins = 0;
            boolean interrupted = false;
            while (pending.get() != 0) {
                if (spin(++spins, start, yield)) continue;
                waiterParked = true;
                if (pending.get() != 0) LockSupport.park(this);
                waiterParked = false;
                if (Thread.interrupted()) interrupted = true; // finish the fork first: the parts write our arrays
            }
            if (interrupted) Thread.currentThread().interrupt();
        }

        void partDone() {
            if (pending.decrementAndGet() == 0 && waiterParked) LockSupport.unpark(waiter);
        }
    }

    private static final class Worker implements Runnable {
        final Team team;
        final int part;
        Thread thread;
        private volatile long epoch;
        private volatile boolean parked;

        Worker(Team team, int part) {
            this.team = team;
            this.part = part;
        }

        void signal() {
            epoch = epoch + 1; // only the caller holding the team's lock writes it
            if (parked) LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long start = System.nanoTime();
                int spins = 0;
                while (epoch == seen) {
                    if (spin(++spins, start, team.yield)) continue;
                    parked = true;
                    if (epoch == seen) LockSupport.park(this);
                    parked = false;
                    Thread.interrupted(); // a worker is never interrupted on purpose; do not spin on a stale flag
                }
                seen = epoch;
                Team t = team; // signalled only for part < t.parts
                try {
                    t.task.run(part, from(t.rows, part, t.parts), from(t.rows, part + 1, t.parts));
                } catch (Throwable e) {
                    t.failures[part] = e;
                }
                t.partDone();
            }
        }
    }
}
