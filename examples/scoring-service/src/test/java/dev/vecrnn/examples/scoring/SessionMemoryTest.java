package dev.vecrnn.examples.scoring;

import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.recurrent.Recurrent;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory /health states per session is an upper bound on what a session really takes: the bytes this
 * thread allocates to create 4,096 sessions with 64-character ids (the table's growth included), divided
 * by 4,096, must not exceed it, and must exceed the state's floats alone.
 */
class SessionMemoryTest {

    @Test
    void statedBytesPerSessionBoundWhatASessionAllocates() throws Exception {
        Recurrent net = PyTorchFormat.read(Http.MODEL);
        // LSTM 8 -> 32, 2 layers: h [2, 32], c [2, 32], gates [4 * 32]
        assertEquals(2 * 32 + 2 * 32 + 4 * 32, SessionTable.stateFloats(net.config()));
        long stated = SessionTable.bytesPerSession(net.config(), ScoringService.MAX_ID_CHARS);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        int n = 4096;
        String[] ids = new String[n];
        try (SessionTable t = new SessionTable(net, 2 * n, 1_000_000_000L, 0, System::nanoTime)) {
            t.acquire("warm").lock.unlock();
            for (int i = 0; i < n; i++) ids[i] = String.format("%064d", i);
            long idBytes = 0;
            for (String id : ids) idBytes += 24 + 16 + id.length();   // each id as a request's substring holds it
            long before = threads.getThreadAllocatedBytes(me);
            for (String id : ids) t.acquire(id).lock.unlock();
            long perSession = (threads.getThreadAllocatedBytes(me) - before + idBytes) / n;
            System.out.printf("SessionMemoryTest: %d bytes allocated per session (64-character id), %d stated%n", perSession, stated);
            assertTrue(perSession <= stated, perSession + " bytes allocated per session, more than the " + stated + " stated");
            assertTrue(perSession > 4 * SessionTable.stateFloats(net.config()), perSession + " bytes: less than the state's floats");
            assertEquals(n + 1, t.size());
        }
    }
}
