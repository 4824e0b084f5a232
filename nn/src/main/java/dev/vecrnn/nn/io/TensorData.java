package dev.vecrnn.nn.io;

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
 * tensor and, for data read from a file, the byte offset of the offending element.
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
     * The values as floats: F32 exactly (bit patterns kept), F16 and BF16 exactly, F64 rounded to nearest.
     *
     * @throws ModelFileException for an integer or BOOL dtype
     */
    public float[] toFloats() {
        ByteBuffer b = bytes();
        float[] out = new float[elementCount()];
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> { for (int i = 0; i < out.length; i++) out[i] = (float) b.getDouble(8 * i); }
            case F16 -> { for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(b.getShort(2 * i)); }
            case BF16 -> { for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat(b.getShort(2 * i) << 16); }
            default -> throw wrongType("toFloats()", "F32, F64, F16 or BF16");
        }
        return out;
    }

    /**
     * The values as doubles: every floating-point dtype converts exactly.
     *
     * @throws ModelFileException for an integer or BOOL dtype
     */
    public double[] toDoubles() {
        if (dtype == DType.F64) {
            double[] out = new double[elementCount()];
            bytes().asDoubleBuffer().get(out);
            return out;
        }
        if (!dtype.isFloatingPoint()) throw wrongType("toDoubles()", "F64, F32, F16 or BF16");
        float[] f = toFloats();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    /**
     * The values as longs: every integer dtype, and BOOL as 0 or 1.
     *
     * @throws ModelFileException for a floating-point dtype, or a BOOL byte other than 0 or 1
     */
    public long[] toLongs() {
        ByteBuffer b = bytes();
        long[] out = new long[elementCount()];
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < out.length; i++) out[i] = b.getInt(4 * i); }
            case I16 -> { for (int i = 0; i < out.length; i++) out[i] = b.getShort(2 * i); }
            case I8 -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i); }
            case U8 -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i) & 0xFF; }
            case BOOL -> {
                for (int i = 0; i < out.length; i++) {
                    int v = b.get(i);
                    if (v != 0 && v != 1) throw bad(i, "element " + i + " is " + (v & 0xFF) + ", not a BOOL (0 or 1)");
                    out[i] = v;
                }
            }
            default -> throw wrongType("toLongs()", "I64, I32, I16, I8, U8 or BOOL");
        }
        return out;
    }

    /**
     * The values as ints: like {@link #toLongs()}, with I64 values checked to fit an int.
     *
     * @throws ModelFileException for a floating-point dtype or an I64 value outside the int range
     */
    public int[] toInts() {
        if (dtype == DType.I32) {
            int[] out = new int[elementCount()];
            bytes().asIntBuffer().get(out);
            return out;
        }
        long[] wide = toLongs();
        int[] out = new int[wide.length];
        for (int i = 0; i < wide.length; i++) {
            if (wide[i] != (int) wide[i]) throw bad(i, "element " + i + " is " + wide[i] + ", outside the int range");
            out[i] = (int) wide[i];
        }
        return out;
    }

    /**
     * The values as a float32 {@link Tensor} of the same shape (see {@link #toFloats()}).
     *
     * @throws ModelFileException for an integer or BOOL dtype
     */
    public Tensor toTensor() {
        return new Tensor(shape, toFloats());
    }

    private ModelFileException wrongType(String method, String accepted) {
        return new ModelFileException(sourceLabel(), -1, label() + " has dtype " + dtype + "; " + method + " reads " + accepted);
    }

    private ModelFileException bad(int element, String problem) {
        long at = fileOffset < 0 ? -1 : fileOffset + (long) element * dtype.size();
        return new ModelFileException(sourceLabel(), at, label() + ": " + problem);
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
