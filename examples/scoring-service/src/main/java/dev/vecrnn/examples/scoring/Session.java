package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.StreamState;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One session's stream: its recurrent state, its step count and the buffer its outputs are written to.
 * Every field but {@link #lastUsedNanos} is read and written only by the holder of {@link #lock}, a fair
 * lock, so concurrent requests on one session run one at a time in the order they reached the lock.
 * A session removed from the table (idle eviction, DELETE) is marked {@link #closed} under the lock; a
 * request that looked it up just before then sees the mark and looks the id up again, so no step is ever
 * applied to a state that has already left the table.
 */
final class Session {
    final String id;
    final ReentrantLock lock = new ReentrantLock(true);
    final StreamState state;
    final float[] out;          // [Hout], the top layer's h after the last step
    long steps;
    boolean closed;
    volatile long lastUsedNanos;

    Session(String id, Recurrent net, long now) {
        this.id = id;
        this.state = net.newState();
        this.out = new float[net.config().outputHidden()];
        this.lastUsedNanos = now;
    }
}
