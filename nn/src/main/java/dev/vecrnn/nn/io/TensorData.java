package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Untrusted;

import dev.vecrnn.nn.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An immutable typed array with a row-major shape, as stored in a safetensors or .npy file: a dtype,
 * a shape and the little-endian bytes. It is what the readers return and what the writers take, and it
 * converts to the Java arrays a model wants.
 *
 * <p>Limits: each dimension and the element count fit an int, and the bytes of one tensor fit a Java
 * array ({@value #MAX_BYTES} bytes). Conversion errors are {@link ModelFileException}s that name the
 * tensor and, for data read from a file, the byte offset of the offending element. A conversion whose
 * result would be larger than the Java heap's maximum ({@link Runtime#maxMemory()}) is refused the same
 * way, before it allocates, rather than ending in an OutOfMemoryError.
 */
public final class TensorData {

    /** The largest byte size of one tensor: the largest Java array. */
    public static final int MAX_BYTES = Integer.MAX_VALUE - 8;

    private final String name;
    private final String source;
    private final long fileOffset;
    private final DType dtype;
    private final int[] shape;
    private final byte[] bytes;

    /** Takes ownership of {@code bytes}; the caller has checked that they match dtype and shape. */
    TensorData(String name, String source, long fileOffset, DType dtype, int[] shape, byte[] bytes) {
        this.name = name;
        this.source = source;
        this.fileOffset = fileOffset;
        this.dtype = dtype;
        this.shape = shape;
        this.bytes = bytes;
    }

    /** F32 data holding a copy of {@code t}'s values. */
    public static TensorData of(Tensor t) {
        return floats(t.data(), t.shape());
    }

    /** F32 data: a copy of {@code data} (bit patterns kept, NaN payloads included) with {@code shape}. */
    public static TensorData floats(float[] data, int... shape) {
        ByteBuffer b = allocate(DType.F32, data.length, shape);
        b.asFloatBuffer().put(data);
        return constructed(DType.F32, shape, b);
    }

    /** F64 data: a copy of {@code data} with {@code shape}. */
    public static TensorData doubles(double[] data, int... shape) {
        ByteBuffer b = allocate(DType.F64, data.length, shape);
        b.asDoubleBuffer().put(data);
        return constructed(DType.F64, shape, b);
    }

    /** I32 data: a copy of {@code data} with {@code shape}. */
    public static TensorData ints(int[] data, int... shape) {
        ByteBuffer b = allocate(DType.I32, data.length, shape);
        b.asIntBuffer().put(data);
        return constructed(DType.I32, shape, b);
    }

    /** I64 data: a copy of {@code data} with {@code shape} (PyTorch's default integer type). */
    public static TensorData longs(long[] data, int... shape) {
        ByteBuffer b = allocate(DType.I64, data.length, shape);
        b.asLongBuffer().put(data);
        return constructed(DType.I64, shape, b);
    }

    /**
     * Data of any dtype from its little-endian bytes (copied), e.g. F16, BF16 or BOOL.
     *
     * @throws IllegalArgumentException when the byte count is not the element count times the dtype size
     */
    public static TensorData ofBytes(DType dtype, byte[] littleEndian, int... shape) {
        if (littleEndian.length % dtype.size() != 0) {
            throw new IllegalArgumentException("littleEndian: expected a multiple of " + dtype.size() + " bytes for " + dtype + ", got " + littleEndian.length);
        }
        ByteBuffer b = allocate(dtype, littleEndian.length / dtype.size(), shape);
        b.put(littleEndian);
        return constructed(dtype, shape, b);
    }

    private static ByteBuffer allocate(DType dtype, int count, int[] shape) {
        long n = elementCount(shape, "shape");
        if (n != count) {
            throw new IllegalArgumentException("data: expected " + n + " elements for shape " + Arrays.toString(shape) + ", got " + count);
        }
        if ((long) count * dtype.size() > MAX_BYTES) {
            throw new IllegalArgumentException("data: " + count + " elements of " + dtype + " exceed " + MAX_BYTES + " bytes");
        }
        return ByteBuffer.allocate(count * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static TensorData constructed(DType dtype, int[] shape, ByteBuffer b) {
        return new TensorData("", null, -1, dtype, shape.clone(), b.array());
    }

    /** The product of {@code shape}, checking each dimension is >= 0 and the product fits an int. */
    static long elementCount(int[] shape, String what) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(what + ": expected dimensions >= 0, got " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(what + ": " + Arrays.toString(shape) + " holds more than 2^31 - 1 elements");
        }
        return n;
    }

    /** The tensor's name in its safetensors file, the file name for .npy, "" for constructed data. */
    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape; {@code []} for a scalar. */
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int elementCount() {
        return bytes.length / dtype.size();
    }

    /** A read-only little-endian view of the raw bytes (no copy). */
    public ByteBuffer bytes() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The backing array, for writers in this package; never handed out. */
    byte[] rawBytes() {
        return bytes;
    }

    /**
     * Refuses, naming {@code source}, an allocation of {@code bytes} that can never fit: more than the Java
     * heap's maximum. (One that fits the maximum may still fail when the heap is full of other data.)
     *
     * @throws ModelFileException "expected at most M bytes (the Java heap's maximum; raise it with -Xmx), got N"
     */
    static void requireHeap(String source, long bytes, String what) {
        long max = Runtime.getRuntime().maxMemory();
        if (max != Long.MAX_VALUE && bytes > max) {
            throw new ModelFileException(source, -1, what + ": expected at most " + max + " bytes (the Java heap's maximum; raise it with"
                    + " -Xmx), got " + bytes + " bytes to allocate");
        }
    }

    /** The element count, after checking that an array of it at {@code bytesPerElement} fits the heap (see {@link #requireHeap}). */
    private int allocatable(int bytesPerElement, String method) {
        int n = elementCount();
        requireHeap(sourceLabel(), (long) n * bytesPerElement, label() + " as " + method);
        return n;
    }

    /**
     * The values as floats: F32 exactly (bit patterns kept), F16 and BF16 exactly, F64 rounded to nearest.
     *
     * @throws ModelFileException for an integer or BOOL dtype, or a result larger than the heap's maximum
     */
    public float[] toFloats() {
        if (!dtype.isFloatingPoint()) throw wrongType("toFloats()", "F32, F64, F16 or BF16");
        ByteBuffer b = bytes();
        float[] out = new float[allocatable(4, "toFloats()")];
        if (dtype == DType.F32) b.asFloatBuffer().get(out);
        else for (int i = 0; i < out.length; i++) out[i] = floatAt(b, i);
        return out;
    }

    /**
     * The values as doubles: every floating-point dtype converts exactly.
     *
     * @throws ModelFileException for an integer or BOOL dtype, or a result larger than the heap's maximum
     */
    public double[] toDoubles() {
        if (!dtype.isFloatingPoint()) throw wrongType("toDoubles()", "F64, F32, F16 or BF16");
        double[] out = new double[allocatable(8, "toDoubles()")];
        if (dtype == DType.F64) {
            bytes().asDoubleBuffer().get(out);
            return out;
        }
        ByteBuffer b = bytes();
        for (int i = 0; i < out.length; i++) out[i] = floatAt(b, i);
        return out;
    }

    /** Element i of a floating-point dtype: F32, F16 and BF16 exactly, F64 rounded to nearest. */
    private float floatAt(ByteBuffer b, int i) {
        return switch (dtype) {
            case F32 -> b.getFloat(4 * i);
            case F64 -> (float) b.getDouble(8 * i);
            case F16 -> halfToFloat(b.getShort(2 * i));
            default -> Float.intBitsToFloat(b.getShort(2 * i) << 16);
        };
    }

    /**
     * IEEE 754 binary16 to float, exactly (every half is a float); a NaN comes out quiet, its payload kept. JDK 20's
     * {@code Float.float16ToFloat} does the same, but the library runs on JDK 17.
     */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            // infinity, or a NaN made quiet with its payload kept (as the JDK's conversion does)
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa == 0 ? 0 : 0x0040_0000 | mantissa << 13));
        }
        if (exponent == 0) {
            float v = mantissa * 0x1p-24f; // zero or subnormal: exact, as mantissa < 2^10
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | (exponent + (127 - 15)) << 23 | mantissa << 13);
    }

    /**
     * The values as longs: every integer dtype, and BOOL as 0 or 1.
     *
     * @throws ModelFileException for a floating-point dtype, a BOOL byte other than 0 or 1, or a result larger
     *                            than the heap's maximum
     */
    public long[] toLongs() {
        if (dtype.isFloatingPoint()) throw wrongType("toLongs()", "I64, I32, I16, I8, U8 or BOOL");
        long[] out = new long[allocatable(8, "toLongs()")];
        ByteBuffer b = bytes();
        if (dtype == DType.I64) b.asLongBuffer().get(out);
        else for (int i = 0; i < out.length; i++) out[i] = longAt(b, i);
        return out;
    }

    /**
     * The values as ints: like {@link #toLongs()}, with I64 values checked to fit an int.
     *
     * @throws ModelFileException for a floating-point dtype, an I64 value outside the int range, or a result
     *                            larger than the heap's maximum
     */
    public int[] toInts() {
        if (dtype.isFloatingPoint()) throw wrongType("toInts()", "I64, I32, I16, I8, U8 or BOOL");
        int[] out = new int[allocatable(4, "toInts()")];
        ByteBuffer b = bytes();
        if (dtype == DType.I32) {
            b.asIntBuffer().get(out);
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            long v = longAt(b, i);
            if (v != (int) v) throw bad(i, "element " + i + " is " + v + ", outside the int range");
            out[i] = (int) v;
        }
        return out;
    }

    /** Element i of an integer or BOOL dtype. */
    private long longAt(ByteBuffer b, int i) {
        return switch (dtype) {
            case I64 -> b.getLong(8 * i);
            case I32 -> b.getInt(4 * i);
            case I16 -> b.getShort(2 * i);
            case I8 -> b.get(i);
            case U8 -> b.get(i) & 0xFF;
            default -> {
                int v = b.get(i);
                if (v != 0 && v != 1) throw bad(i, "element " + i + " is " + (v & 0xFF) + ", not a BOOL (0 or 1)");
                yield v;
            }
        };
    }

    /**
     * The values as a float32 {@link Tensor} of the same shape (see {@link #toFloats()}).
     *
     * @throws ModelFileException for an integer or BOOL dtype, or a result larger than the heap's maximum
     */
    public Tensor toTensor() {
        return new Tensor(shape, toFloats());
    }

    private ModelFileException wrongType(String method, String accepted) {
        return new ModelFileException(sourceLabel(), -1, label() + " has dtype " + dtype + ", expected " + accepted
                + (method.equals("toFloats()") || method.equals("toDoubles()") ? " (floating point)" : " (integers)"));
    }

    /**
     * This tensor, once every element of a floating-point dtype is known to be finite as a float (integer
     * and BOOL tensors always are): what a model's parameters must be, since one NaN weight makes every
     * output NaN.
     *
     * @throws ModelFileException naming the tensor, the first non-finite element and, for data read from a
     *                            file, its byte offset
     */
    public TensorData requireFinite() {
        if (!dtype.isFloatingPoint()) return this;
        ByteBuffer b = bytes();
        int n = elementCount();
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(floatAt(b, i))) { // an F64 beyond float's range too: it would load as infinity
                throw bad(i, "expected finite values, got " + (dtype == DType.F64 ? b.getDouble(8 * i) : floatAt(b, i))
                        + " at element " + i + (shape.length > 1 ? " " + Arrays.toString(index(i)) : ""));
            }
        }
        return this;
    }

    /** The multi-index of element i in this tensor's shape (row-major). */
    private int[] index(int i) {
        int[] at = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = shape[d] == 0 ? 0 : i % shape[d];
            i = shape[d] == 0 ? 0 : i / shape[d];
        }
        return at;
    }

    private ModelFileException bad(int element, String problem) {
        long at = fileOffset < 0 ? -1 : fileOffset + (long) element * dtype.size();
        // an .npy array is named after its file, which the source already names: "f.npy: 'f.npy': ..." said it twice
        boolean namedByFile = source != null && (source.equals(name) || source.endsWith(java.io.File.separator + name));
        return new ModelFileException(sourceLabel(), at, (namedByFile ? "" : label() + ": ") + problem);
    }

    private String sourceLabel() {
        return source != null ? source : "tensor data";
    }

    private String label() {
        return name.isEmpty() ? "data" : Untrusted.quote(name);
    }

    /** Equal when dtype, shape and every byte are equal (so NaN payloads and -0.0 count). */
    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && dtype == t.dtype && Arrays.equals(shape, t.shape) && Arrays.equals(bytes, t.bytes);
    }

    @Override
    public int hashCode() {
        return (dtype.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return (name.isEmpty() ? "" : name + ": ") + dtype + Arrays.toString(shape);
    }
}
