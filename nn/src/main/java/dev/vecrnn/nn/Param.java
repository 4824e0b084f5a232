package dev.vecrnn.nn;

/**
 * One trainable array and its gradient, of the same length. Layers own their params and update
 * {@link #grad()} by accumulation ({@code +=}); {@link #zeroGrad()} is the caller's visible step.
 * Optimizers treat {@link #data()} as a flat vector.
 */
public final class Param {
    private final String name;
    private final float[] data;
    private final float[] grad;

    public Param(String name, float[] data) {
        this(name, data, data == null ? null : new float[data.length]);
    }

    /** A param over existing value and gradient arrays of the same length (for example packed weights). */
    public Param(String name, float[] data, float[] grad) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("name: expected a non-empty name, got " + name);
        if (data == null) throw new IllegalArgumentException(name + ": data expected non-null, got null");
        if (grad == null || grad.length != data.length) {
            throw new IllegalArgumentException(name + ": grad expected length " + data.length + ", got "
                    + (grad == null ? "null" : grad.length));
        }
        this.name = name;
        this.data = data;
        this.grad = grad;
    }

    public String name() {
        return name;
    }

    /** The live values (not a copy). */
    public float[] data() {
        return data;
    }

    /** The live gradient (not a copy). */
    public float[] grad() {
        return grad;
    }

    public int size() {
        return data.length;
    }

    /** The same value and gradient arrays under another name (a model qualifies its layers' names). */
    public Param renamed(String newName) {
        if (newName == null || newName.isEmpty()) throw new IllegalArgumentException("newName: expected a non-empty name, got " + newName);
        return new Param(newName, data, grad);
    }

    public void zeroGrad() {
        java.util.Arrays.fill(grad, 0f);
    }

    @Override
    public String toString() {
        return "Param(" + name + ", " + data.length + ")";
    }
}
