package dev.vecrnn.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Does the batch-1 product's speed depend on where its weights sit in memory? The library's streaming tile (eight
 * chunks of L rows, one broadcast of x[k] and eight weight vectors a column, as {@code PanamaForward.tile1x8}) over
 * a 4H x 2H panel-major matrix, with the weights placed at a chosen {@link #phase}: the address of the first weight
 * modulo 32 bytes. A heap array's elements start wherever the collector put the array (8-byte granularity), so
 * the library's weights land on any of the four phases, run to run and fork to fork.
 *
 * <ul>
 *   <li>{@link #heap}: the weights in a float[], started at the element whose address has the phase. The address is
 *       read (a JDK 22+ downcall to memset with zero length, the array passed as a critical heap segment; it
 *       returns its pointer) before every iteration, since a collection may move the array.</li>
 *   <li>{@link #offHeap}: the same weights in native memory at the same phase from a 64-byte aligned base, read with
 *       {@code FloatVector.fromMemorySegment}: what an off-heap weight store would run at.</li>
 * </ul>
 * An experiment (twenty-seventh session), not a gate row. It needs JDK 22 or later (the foreign memory API) and
 * {@code --enable-native-access} (its forks have it); the bench module is built for JDK 17, so that API is reached
 * through method handles, made once (C2 inlines a constant handle's call: the loops run as if written directly).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class AlignmentBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int GROUP = 8;
    private static final Foreign FOREIGN = Foreign.find();

    /** H: the matrix is 4H x 2H floats (32 KiB at 32, 128 KiB at 64, 512 KiB at 128). */
    @Param({"32", "64", "128"})
    public int size;
    /** The first weight's address modulo 32 bytes. */
    @Param({"0", "8", "16", "24"})
    public int phase;

    int rows, cols, chunk;
    float[] store;   // the weights at [at, at + rows * cols)
    int at;
    AutoCloseable arena;
    Object native_;
    long nativeAt;
    float[] x, out;

    @Setup(Level.Trial)
    public void setup() {
        rows = 4 * size;
        cols = 2 * size;
        chunk = cols * L;
        if (rows % (L * GROUP) != 0) throw new IllegalStateException("rows " + rows + " not a multiple of " + L * GROUP);
        Random r = new Random(7);
        store = new float[rows * cols + 16];
        for (int i = 0; i < store.length; i++) store[i] = r.nextFloat() * 2 - 1;
        x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = r.nextFloat() * 2 - 1;
        out = new float[rows];
        arena = FOREIGN.arena();
        native_ = FOREIGN.allocate(arena, 4L * (rows * cols + 16), 64);
        nativeAt = phase;
        FOREIGN.copy(store, native_, nativeAt, rows * cols);
    }

    /** Places the heap weights at the phase again: the array may have moved since the last iteration. */
    @Setup(Level.Iteration)
    public void place() {
        long address = FOREIGN.addressOf(store);
        int now = -1;
        for (int i = 0; i < 8; i++) if ((address + 4L * i) % 32 == phase) now = i;
        if (now < 0) throw new IllegalStateException("array at " + address + ": no element at phase " + phase);
        if (now != at) {
            System.arraycopy(store, at, store, now, rows * cols);
            at = now;
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        arena.close();
    }

    @Benchmark
    public float[] heap() {
        java.util.Arrays.fill(out, 0f);
        for (int g = 0; g < rows / L; g += GROUP) heapTile(store, at + g * chunk, chunk, x, cols, out, g * L);
        return out;
    }

    @Benchmark
    public float[] offHeap() {
        java.util.Arrays.fill(out, 0f);
        for (int g = 0; g < rows / L; g += GROUP) {
            nativeTile(native_, nativeAt + 4L * g * chunk, 4L * chunk, x, cols, out, g * L);
        }
        return out;
    }

    private static void heapTile(float[] w, int base, int chunk, float[] x, int cols, float[] out, int o) {
        int w0 = base, w1 = w0 + chunk, w2 = w1 + chunk, w3 = w2 + chunk;
        int w4 = w3 + chunk, w5 = w4 + chunk, w6 = w5 + chunk, w7 = w6 + chunk;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = 0; k < cols; k++) {
            FloatVector v = FloatVector.broadcast(S, x[k]);
            int kk = k * L;
            a0 = FloatVector.fromArray(S, w, w0 + kk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, w1 + kk).fma(v, a1);
            a2 = FloatVector.fromArray(S, w, w2 + kk).fma(v, a2);
            a3 = FloatVector.fromArray(S, w, w3 + kk).fma(v, a3);
            a4 = FloatVector.fromArray(S, w, w4 + kk).fma(v, a4);
            a5 = FloatVector.fromArray(S, w, w5 + kk).fma(v, a5);
            a6 = FloatVector.fromArray(S, w, w6 + kk).fma(v, a6);
            a7 = FloatVector.fromArray(S, w, w7 + kk).fma(v, a7);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
        a2.intoArray(out, o + 2 * L);
        a3.intoArray(out, o + 3 * L);
        a4.intoArray(out, o + 4 * L);
        a5.intoArray(out, o + 5 * L);
        a6.intoArray(out, o + 6 * L);
        a7.intoArray(out, o + 7 * L);
    }

    private static void nativeTile(Object w, long base, long chunk, float[] x, int cols, float[] out, int o) {
        ByteOrder order = ByteOrder.nativeOrder();
        long w0 = base, w1 = w0 + chunk, w2 = w1 + chunk, w3 = w2 + chunk;
        long w4 = w3 + chunk, w5 = w4 + chunk, w6 = w5 + chunk, w7 = w6 + chunk;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = 0; k < cols; k++) {
            FloatVector v = FloatVector.broadcast(S, x[k]);
            long kk = 4L * k * L;
            a0 = load(w, w0 + kk, order).fma(v, a0);
            a1 = load(w, w1 + kk, order).fma(v, a1);
            a2 = load(w, w2 + kk, order).fma(v, a2);
            a3 = load(w, w3 + kk, order).fma(v, a3);
            a4 = load(w, w4 + kk, order).fma(v, a4);
            a5 = load(w, w5 + kk, order).fma(v, a5);
            a6 = load(w, w6 + kk, order).fma(v, a6);
            a7 = load(w, w7 + kk, order).fma(v, a7);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
        a2.intoArray(out, o + 2 * L);
        a3.intoArray(out, o + 3 * L);
        a4.intoArray(out, o + 4 * L);
        a5.intoArray(out, o + 5 * L);
        a6.intoArray(out, o + 6 * L);
        a7.intoArray(out, o + 7 * L);
    }

    private static FloatVector load(Object segment, long offset, ByteOrder order) {
        try {
            return (FloatVector) FOREIGN.load.invokeExact(S, segment, offset, order);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The JDK 22+ foreign memory API, reached by method handles from code built for JDK 17. */
    private record Foreign(MethodHandle load, MethodHandle ofConfined, MethodHandle allocate, MethodHandle ofArray,
                           MethodHandle copy, MethodHandle memset, MethodHandle address) {
        static Foreign find() {
            try {
                MethodHandles.Lookup lk = MethodHandles.publicLookup();
                Class<?> seg = Class.forName("java.lang.foreign.MemorySegment");
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> alloc = Class.forName("java.lang.foreign.SegmentAllocator");
                Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
                Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
                Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
                Class<?> fd = Class.forName("java.lang.foreign.FunctionDescriptor");
                Class<?> option = Class.forName("java.lang.foreign.Linker$Option");
                MethodHandle load = lk.findStatic(FloatVector.class, "fromMemorySegment",
                                MethodType.methodType(FloatVector.class, jdk.incubator.vector.VectorSpecies.class, seg, long.class, ByteOrder.class))
                        .asType(MethodType.methodType(FloatVector.class, VectorSpecies.class, Object.class, long.class, ByteOrder.class));
                MethodHandle ofConfined = lk.findStatic(arena, "ofConfined", MethodType.methodType(arena));
                MethodHandle allocate = lk.findVirtual(alloc, "allocate", MethodType.methodType(seg, long.class, long.class));
                MethodHandle ofArray = lk.findStatic(seg, "ofArray", MethodType.methodType(seg, float[].class));
                MethodHandle address = lk.findVirtual(seg, "address", MethodType.methodType(long.class));
                Object floatLayout = valueLayout.getField("JAVA_FLOAT_UNALIGNED").get(null);
                MethodHandle copy = lk.findStatic(seg, "copy", MethodType.methodType(void.class, Object.class, int.class, seg,
                        Class.forName("java.lang.foreign.ValueLayout"), long.class, int.class));
                copy = MethodHandles.insertArguments(copy, 3, floatLayout);
                Object linker = linkerC.getMethod("nativeLinker").invoke(null);
                Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
                Object memsetSymbol = ((java.util.Optional<?>) Class.forName("java.lang.foreign.SymbolLookup")
                        .getMethod("find", String.class).invoke(lookup, "memset")).orElseThrow();
                Object addressLayout = valueLayout.getField("ADDRESS").get(null);
                Object intLayout = valueLayout.getField("JAVA_INT").get(null);
                Object longLayout = valueLayout.getField("JAVA_LONG").get(null);
                Object[] args = (Object[]) java.lang.reflect.Array.newInstance(layoutC, 3);
                args[0] = addressLayout;
                args[1] = intLayout;
                args[2] = longLayout;
                Object descriptor = fd.getMethod("of", layoutC, args.getClass()).invoke(null, addressLayout, args);
                Object[] options = (Object[]) java.lang.reflect.Array.newInstance(option, 1);
                options[0] = option.getMethod("critical", boolean.class).invoke(null, true);
                MethodHandle memset = (MethodHandle) linkerC.getMethod("downcallHandle", seg, fd, options.getClass())
                        .invoke(linker, memsetSymbol, descriptor, options);
                return new Foreign(load, ofConfined, allocate, ofArray, copy, memset, address);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("AlignmentBench needs JDK 22 or later (java.lang.foreign): " + e, e);
            }
        }

        AutoCloseable arena() {
            try {
                return (AutoCloseable) ofConfined.invoke();
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        Object allocate(AutoCloseable arena, long bytes, long alignment) {
            try {
                return allocate.invoke(arena, bytes, alignment);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        void copy(float[] from, Object to, long toOffset, int count) {
            try {
                copy.invoke((Object) from, 0, to, toOffset, count);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** The address of a[0] now: memset of zero bytes returns the pointer it was given, here the array's own. */
        long addressOf(float[] a) {
            try {
                Object result = memset.invoke(ofArray.invoke(a), 0, 0L);
                return (long) address.invoke(result);
            } catch (Throwable t) {
                throw new IllegalStateException("cannot read the array's address (needs --enable-native-access)", t);
            }
        }
    }
}
