package dev.vecrnn.nn;

import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.SequenceWorkspace;
import dev.vecrnn.nn.recurrent.StepWorkspace;
import dev.vecrnn.nn.recurrent.StreamState;
import dev.vecrnn.nn.recurrent.StreamStates;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A state (batch, sequence workspace) in use by one thread refuses a second user with a clear message; hand-over is fine. */
class StateOwnershipTest {

    private static float[] input(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /** Runs {@code body} while another thread, named "holder", holds {@code e} (as it would inside a step). */
    private static void whileHeldByAnotherThread(Exclusive e, Runnable body) throws Exception {
        CountDownLatch held = new CountDownLatch(1), done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread holder = new Thread(() -> {
            try {
                e.enter("state", -1);
                held.countDown();
                done.await();
                e.exit();
            } catch (Throwable t) {
                failure.set(t);
                held.countDown();
            }
        }, "holder");
        holder.start();
        assertTrue(held.await(10, TimeUnit.SECONDS));
        try {
            body.run();
        } finally {
            done.countDown();
            holder.join(10_000);
        }
        assertNull(failure.get());
    }

    @Test
    void stepOnAStateHeldByAnotherThreadFailsAndLeavesItUntouched() throws Exception {
        Recurrent net = new Recurrent(new RecurrentConfig(CellType.LSTM, 6, 8, 2, true, false, false, 0f, 0), 1);
        Random rnd = new Random(2);
        StreamState s = net.newState();
        float[] x = input(rnd, 6), out = new float[8];
        net.step(x, s, out);
        float[] h = StreamStates.h(s).clone(), c = StreamStates.c(s).clone();
        whileHeldByAnotherThread(s, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.step(x, s, out));
            assertTrue(e.getMessage().contains("StreamState is in use by thread \"holder\""), e.getMessage());
            assertTrue(e.getMessage().contains("one thread at a time"), e.getMessage());
            assertArrayEquals(h, StreamStates.h(s), 0f);
            assertArrayEquals(c, StreamStates.c(s), 0f);
        });
        // released: this thread may step it now, and gets what a state never contended would
        StreamState fresh = net.newState();
        float[] want = new float[8];
        net.step(x, fresh, want);
        net.step(x, fresh, want);
        net.step(x, s, out);
        assertArrayEquals(want, out, 0f);
    }

    /**
     * reset() and hidden() on a state another thread is stepping: reset used to zero it under the step (a silent
     * mix of a stream and a new one), hidden to read it half written. Both now claim the state as a step does.
     */
    @Test
    void resetAndHiddenOfAStateHeldByAnotherThreadAreRefused() throws Exception {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 4), 5);
        StreamState s = net.newState();
        net.step(new float[] {1f, -2f, 0.5f}, s, new float[4]);
        float[] h = StreamStates.h(s).clone(), c = StreamStates.c(s).clone();
        Model m = Model.builder(3).gru(5).dense(2).seed(4).build();
        ModelState ms = m.newState();
        m.step(new float[] {1f, -2f, 0.5f}, ms, new float[2]);
        float[] saved = new float[ms.size()];
        ms.copyTo(saved);
        whileHeldByAnotherThread(s, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, s::reset);
            assertTrue(e.getMessage().startsWith("state: StreamState is in use by thread \"holder\""), e.getMessage());
            assertThrows(IllegalStateException.class, () -> s.hidden(0));
            assertArrayEquals(h, StreamStates.h(s), 0f);
            assertArrayEquals(c, StreamStates.c(s), 0f);
        });
        whileHeldByAnotherThread(ms, () -> assertThrows(IllegalStateException.class, ms::reset));
        float[] after = new float[ms.size()];
        ms.copyTo(after);
        assertArrayEquals(saved, after, 0f);
        // released: both reset as they always did
        s.reset();
        ms.reset();
        assertArrayEquals(new float[4], s.hidden(0), 0f);
        ms.copyTo(after);
        assertArrayEquals(new float[ms.size()], after, 0f);
    }

    @Test
    void modelStateHeldByAnotherThreadFails() throws Exception {
        Model m = Model.builder(3).gru(5).dense(2).seed(4).build();
        ModelState s = m.newState();
        float[] x = {0.5f, -1f, 2f}, out = new float[2];
        whileHeldByAnotherThread(s, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.step(x, s, out));
            assertTrue(e.getMessage().startsWith("state: ModelState is in use by thread \"holder\""), e.getMessage());
        });
        m.step(x, s, out);
    }

    @Test
    void stepManyRefusesABatchHeldElsewhereAndAStateListedTwice() throws Exception {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.GRU, 4, 5), 3);
        StreamState a = net.newState(), b = net.newState();
        StepWorkspace ws = net.newStepWorkspace(3);
        float[] xs = input(new Random(5), 12), outs = new float[15];
        whileHeldByAnotherThread(ws, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> net.stepMany(2, xs, new StreamState[] {a, b}, outs, ws));
            assertTrue(e.getMessage().startsWith("ws: StepWorkspace is in use by thread \"holder\""), e.getMessage());
        });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.stepMany(3, xs, new StreamState[] {a, b, a}, outs, ws));
        assertTrue(e.getMessage().startsWith("states[2]: StreamState is already in use by this same thread"), e.getMessage());
        assertArrayEquals(new float[5], StreamStates.h(a), 0f, "nothing stepped");
        // all released after the failure: the same call without the repeat runs
        net.stepMany(2, xs, new StreamState[] {a, b}, outs, ws);
        float[] one = new float[5];
        StreamState alone = net.newState();
        net.step(Arrays.copyOfRange(xs, 4, 8), alone, one);
        assertArrayEquals(one, b.hidden(0), 1e-5f);
    }

    @Test
    void aSequenceWorkspaceHeldByAnotherThreadFailsAndWritesNothing() throws Exception {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 4), 12);
        SequenceWorkspace ws = net.newSequenceWorkspace();
        Tensor x = Tensor.of(input(new Random(13), 15), 5, 1, 3), out = Tensor.zeros(5, 1, 4);
        whileHeldByAnotherThread(ws, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> net.forward(x, null, null, null, out, null, null, ws));
            assertTrue(e.getMessage().startsWith("ws: SequenceWorkspace is in use by thread \"holder\""), e.getMessage());
            assertArrayEquals(new float[20], out.data(), 0f, "nothing written");
        });
        net.forward(x, null, null, null, out, null, null, ws);
        assertArrayEquals(net.forward(x, null, null, null).output().data(), out.data(), 0f);
    }

    @Test
    void aFailedStepReleasesTheState() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.RNN_TANH, 3, 4), 6);
        StreamState s = net.newState();
        float[] out = new float[4];
        assertThrows(IllegalArgumentException.class, () -> net.step(new float[] {1f, Float.NaN, 0f}, s, out));
        net.step(new float[] {1f, 2f, 0f}, s, out);
    }

    @Test
    void handingAStateToAnotherThreadBetweenStepsIsFine() throws Exception {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 5, 7), 8);
        Random rnd = new Random(9);
        float[][] xs = new float[40][];
        for (int t = 0; t < xs.length; t++) xs[t] = input(rnd, 5);
        StreamState ref = net.newState();
        float[] want = new float[7];
        for (float[] x : xs) net.step(x, ref, want);
        StreamState s = net.newState();
        float[] out = new float[7];
        for (int part = 0; part < 4; part++) {
            int from = part * 10;
            Thread t = new Thread(() -> {
                for (int i = from; i < from + 10; i++) net.step(xs[i], s, out);
            });
            t.start();
            t.join();
        }
        assertArrayEquals(want, out, 0f);
    }

    /**
     * The holder named is the one that held the state when the claim failed, even if it has let go by the
     * time the message is written: two threads claim and release one state in tight loops, and each refusal
     * must name the other thread (it once said "another thread" when the holder left between the failed
     * claim and the message). How many refusals there are depends on scheduling; what each says does not.
     */
    @Test
    void aRefusalNamesTheHolderEvenIfItHasJustLetGo() throws Exception {
        StreamState s = new Recurrent(RecurrentConfig.of(CellType.GRU, 2, 2), 1).newState();
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong refusals = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(2);
        Thread[] claimers = new Thread[2];
        for (int t = 0; t < 2; t++) {
            String other = "claimer-" + (1 - t);
            claimers[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    wrong.compareAndSet(null, e.toString());
                    return;
                }
                for (int i = 0; i < 5_000_000 && wrong.get() == null; i++) {
                    try {
                        s.enter("state", -1);
                        s.exit();
                    } catch (IllegalStateException e) {
                        refusals.incrementAndGet();
                        if (!e.getMessage().startsWith("state: StreamState is in use by thread \"" + other + "\" (id ")) {
                            wrong.compareAndSet(null, e.getMessage());
                        }
                    }
                }
            }, "claimer-" + t);
            claimers[t].start();
        }
        for (Thread c : claimers) c.join(120_000);
        assertNull(wrong.get(), "a refusal that does not name the other thread");
        System.out.println("aRefusalNamesTheHolderEvenIfItHasJustLetGo: " + refusals.get() + " refusals in 10,000,000 claims");
    }

    /** Two threads really stepping one state: within seconds one of them must be told. */
    @Test
    void twoThreadsSteppingOneStateAreCaught() throws Exception {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 256, 256), 10);
        StreamState shared = net.newState();
        float[] x = input(new Random(11), 256);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> caught = new AtomicReference<>();
        Runnable hammer = () -> {
            float[] out = new float[256];
            try {
                while (!stop.get()) net.step(x, shared, out);
            } catch (Throwable t) {
                caught.compareAndSet(null, t);
                stop.set(true);
            }
        };
        Thread a = new Thread(hammer, "hammer-a"), b = new Thread(hammer, "hammer-b");
        a.start();
        b.start();
        a.join(60_000);
        stop.set(true);
        b.join(10_000);
        Throwable t = caught.get();
        assertTrue(t instanceof IllegalStateException, "expected an IllegalStateException within 60 s, got " + t);
        assertTrue(t.getMessage().contains("in use by thread \"hammer-"), t.getMessage());
        assertEquals(false, a.isAlive() || b.isAlive());
    }
}
