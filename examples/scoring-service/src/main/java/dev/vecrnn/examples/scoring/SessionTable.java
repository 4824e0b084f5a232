package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The sessions, at most {@code maxSessions} of them, each created by its first step. When the table is full
 * a step for a new id is refused (503) rather than evicting another session: a live stream never loses its
 * state to a newcomer, and the client learns at once that it must wait or DELETE finished sessions. Sessions
 * idle for longer than {@code idleTimeout} are removed by a sweeper that runs every {@code sweepEvery};
 * a session whose lock is held (a step running or waiting) is never swept.
 */
final class SessionTable implements AutoCloseable {
    private final Recurrent net;
    private final int maxSessions;
    private final long idleTimeoutNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger reserved = new AtomicInteger();   // sessions in the table plus creations under way
    private final AtomicLong evicted = new AtomicLong();
    private final ScheduledExecutorService sweeper;

    /**
     * @param sweepEveryNanos how often the sweeper runs; 0 starts none ({@link #sweep} is then called by hand)
     * @param clock           nanoseconds, as {@link System#nanoTime} (tests pass their own)
     */
    SessionTable(Recurrent net, int maxSessions, long idleTimeoutNanos, long sweepEveryNanos, LongSupplier clock) {
        if (maxSessions < 1) throw new IllegalArgumentException("max sessions: expected >= 1, got " + maxSessions);
        if (idleTimeoutNanos <= 0) throw new IllegalArgumentException("idle timeout: expected > 0, got " + idleTimeoutNanos + " ns");
        if (sweepEveryNanos < 0) throw new IllegalArgumentException("sweep interval: expected >= 0, got " + sweepEveryNanos + " ns");
        this.net = net;
        this.maxSessions = maxSessions;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.clock = clock;
        if (sweepEveryNanos == 0) {
            this.sweeper = null;
        } else {
            this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "session-sweeper");
                t.setDaemon(true);
                return t;
            });
            sweeper.scheduleWithFixedDelay(this::sweep, sweepEveryNanos, sweepEveryNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The open session {@code id}, created if absent, with its lock held by the caller (who must unlock it).
     *
     * @throws HttpError 503 when the id is new and the table is full
     */
    Session acquire(String id) throws HttpError {
        for (;;) {
            Session s = sessions.get(id);
            if (s == null) {
                if (!reserve()) {
                    throw new HttpError(503, "session table full (" + maxSessions + " sessions): retry later, or DELETE finished sessions");
                }
                Session fresh = new Session(id, net, clock.getAsLong());
                s = sessions.putIfAbsent(id, fresh);
                if (s == null) {
                    s = fresh;
                } else {
                    reserved.decrementAndGet();   // another request created it first
                }
            }
            s.lock.lock();
            if (!s.closed) return s;
            s.lock.unlock();                      // removed meanwhile: look again (a new one is made if allowed)
        }
    }

    private boolean reserve() {
        for (;;) {
            int n = reserved.get();
            if (n >= maxSessions) return false;
            if (reserved.compareAndSet(n, n + 1)) return true;
        }
    }

    /** Removes session {@code id} after any step in flight on it; false when there is none. */
    boolean remove(String id) {
        Session s = sessions.get(id);
        if (s == null) return false;
        s.lock.lock();
        try {
            if (s.closed) return false;
            close(s);
            return true;
        } finally {
            s.lock.unlock();
        }
    }

    private void close(Session s) {
        s.closed = true;
        sessions.remove(s.id, s);
        reserved.decrementAndGet();
    }

    /** Removes the sessions idle for longer than the timeout whose lock is free; returns how many. */
    int sweep() {
        int n = 0;
        for (Session s : sessions.values()) {
            if (clock.getAsLong() - s.lastUsedNanos <= idleTimeoutNanos || !s.lock.tryLock()) continue;
            try {
                if (!s.closed && clock.getAsLong() - s.lastUsedNanos > idleTimeoutNanos) {
                    close(s);
                    n++;
                }
            } finally {
                s.lock.unlock();
            }
        }
        evicted.addAndGet(n);
        return n;
    }

    long steps(String id) {
        Session s = sessions.get(id);
        if (s == null) return -1;
        s.lock.lock();
        try {
            return s.steps;
        } finally {
            s.lock.unlock();
        }
    }

    void touch(Session s) {
        s.lastUsedNanos = clock.getAsLong();
    }

    int size() {
        return sessions.size();
    }

    int maxSessions() {
        return maxSessions;
    }

    long evicted() {
        return evicted.get();
    }

    long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /**
     * Floats in one session's {@link dev.vecrnn.nn.recurrent.StreamState}: h of every layer, c of every
     * layer (LSTM), the gate scratch of one step and, for a projected LSTM, the unprojected h. The library
     * does not expose these sizes, so they are computed here from the configuration.
     */
    static long stateFloats(RecurrentConfig c) {
        long h = (long) c.numLayers() * c.outputHidden();
        long cell = c.type() == CellType.LSTM ? (long) c.numLayers() * c.hiddenSize() : 0;
        long gates = (long) c.type().gates() * c.hiddenSize();
        long hfull = c.projSize() > 0 ? c.hiddenSize() : 0;
        return h + cell + gates + hfull;
    }

    /**
     * An upper bound on the heap one session takes, its id of up to {@code idChars} Latin-1 characters
     * included: the state's arrays and the output buffer (16-byte array headers, 8-byte alignment) plus
     * a fixed allowance for the objects around them (the session, its fair lock, the StreamState, the id
     * string and the table's map node). SessionMemoryTest checks it against the bytes that creating a
     * session allocates.
     */
    static long bytesPerSession(RecurrentConfig c, int idChars) {
        long arrays = array(c.numLayers() * c.outputHidden()) + array(c.type().gates() * c.hiddenSize())
                + array(c.outputHidden());
        if (c.type() == CellType.LSTM) arrays += array(c.numLayers() * c.hiddenSize());
        if (c.projSize() > 0) arrays += array(c.hiddenSize());
        long objects = 64 /* Session */ + 32 + 48 /* ReentrantLock and its FairSync */ + 48 /* StreamState */
                + 24 + 16 + align8(idChars) /* String and its bytes */ + 32 /* map node */
                + 16 /* the map's table: a slot per node at load factor 0.75, and the tables outgrown */;
        return arrays + objects;
    }

    private static long array(long floats) {
        return 16 + align8(4 * floats);
    }

    private static long align8(long bytes) {
        return (bytes + 7) & ~7L;
    }

    /** Stops the sweeper; the sessions stay readable. */
    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
            try {
                sweeper.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
