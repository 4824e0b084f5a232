package dev.vecrnn.nn;

import java.util.Arrays;

/**
 * A float32 array with a row-major shape. The record holds the caller's array (no copy); a tensor is
 * as immutable as its users treat it. Shapes follow PyTorch's order.
 */
public record Tensor(int[] shape, float[] data) {

    public Tensor {
        if (shape == null) throw new IllegalArgumentException("shape: expected non-null, got null");
        if (data == null) throw new IllegalArgumentException("data: expected non-null, got null");
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("shape: expected dimensions >= 0, got " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape: " + Arrays.toString(shape) + " holds more than 2^31 - 1 elements");
        }
        if (n != data.length) {
            throw new IllegalArgumentException("data: expected " + n + " elements for shape " + Arrays.toString(shape)
                    + ", got " + data.length);
        }
        shape = shape.clone();
    }

    public static Tensor zeros(int... shape) {
        Require.notNull("shape", shape);
        long n = 1;
        for (int d : shape) n *= Math.max(d, 0);
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape: " + Arrays.toString(shape) + " is too large");
        return new Tensor(shape, new float[(int) n]);
    }

    public static Tensor of(float[] data, int... shape) {
        return new Tensor(shape, data);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        if (i < 0 || i >= shape.length) {
            throw new IllegalArgumentException("i: expected a dimension in [0, " + shape.length + ") of shape "
                    + Arrays.toString(shape) + ", got " + i);
        }
        return shape[i];
    }

    public int size() {
        return data.length;
    }

    /** Throws unless the shape equals {@code expected}; {@code what} names the tensor in the message. */
    public Tensor requireShape(String what, int... expected) {
        Require.notNull("what", what);
        Require.notNull("expected", expected);
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException(what + ": expected shape " + Arrays.toString(expected) + ", got "
                    + Arrays.toString(shape));
        }
        return this;
    }

    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
