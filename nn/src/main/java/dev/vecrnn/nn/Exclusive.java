package dev.vecrnn.nn;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Fail-fast single ownership for per-stream state: {@link #enter} claims the object for the calling
 * thread with one compare-and-set, {@link #exit} releases it. A second entry while the first has not
 * left, from another thread or (through a repeated argument) from the same one, throws instead of
 * silently mixing two streams. Passing an object from one thread to another between calls is fine.
 * <p>Internal: public only because the per-stream state of the recurrent and model packages extends it; its
 * methods are not part of the supported API (calling {@link #enter} on a state the library is using makes that
 * call fail as a concurrent use would).
 */
public abstract class Exclusive {
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(Exclusive.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    protected Exclusive() {
    }

    @SuppressWarnings("unused") // through OWNER
    private volatile Thread owner;

    /** What a message calls this object, for example {@code StreamState}. */
    protected abstract String kind();

    /**
     * Claims this object for the calling thread; {@code index} >= 0 names it as {@code argument[index]} in the
     * message. The holder named is the one the failed exchange saw: read again afterwards, it may already
     * have left (a message would then have to say "another thread").
     */
    @Internal
    public final void enter(String argument, int index) {
        Thread me = Thread.currentThread();
        Thread holder = (Thread) OWNER.compareAndExchange(this, null, me);
        if (holder != null) throw inUse(argument, index, holder, me);
    }

    @Internal
    public final void exit() {
        OWNER.setRelease(this, null);
    }

    @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; the library runs on 17
    private static long idOf(Thread t) {
        return t.getId();
    }

    private IllegalStateException inUse(String argument, int index, Thread other, Thread me) {
        String arg = index < 0 ? argument : argument + "[" + index + "]";
        String who = other == me
                ? "already in use by this same thread (the same " + kind() + " passed twice in one call?)"
                : "in use by thread \"" + other.getName() + "\" (id " + idOf(other) + ")";
        return new IllegalStateException(arg + ": " + kind() + " is " + who + "; a " + kind()
                + " belongs to one stream and one thread at a time: give each thread its own (handing one over"
                + " between steps is fine)");
    }
}
