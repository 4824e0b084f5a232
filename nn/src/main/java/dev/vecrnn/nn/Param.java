package dev.vecrnn.nn;

/**
 * One trainable array and its gradient, of the same length. Layers own their params and update
 * {@link #grad()} by accumulation ({@code +=}); {@link #zeroGrad()} is the caller's visible step.
 * Optimizers treat {@link #data()} as a flat vector.
 *
 * <p>The values carry a {@linkplain #version() version}: every optimizer step and every loaded state
 * dict counts one, and whatever a layer derives from its params (packed biases, copies laid out for
 * another product) is refreshed when the version it was made from is not the current one. So a
 * hand-written PyTorch-style loop ({@code zeroGrad}, forward, backward, {@code opt.step()}) needs no
 * other call. Code that writes {@link #data()} itself says so with {@link #changed()}.
 */
public final class Param {
    private final String name;
    private final float[] data;
    private final float[] grad;
    /** Shared by the renamed views of the same arrays, so a change through any of them counts for all. */
    private final Version version;

    private static final class Version {
        volatile long value;
    }

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
        this.version = new Version();
    }

    private Param(String name, Param of) {
        this.name = name;
        this.data = of.data;
        this.grad = of.grad;
        this.version = of.version;
    }

    /** How many changes of the values have been counted ({@link #changed()}); it only grows. */
    public long version() {
        return version.value;
    }

    /**
     * Counts a change of the values made in place: optimizers and state-dict loads call it; call it after
     * writing {@link #data()} yourself. One writer at a time, as for the values themselves.
     */
    public void changed() {
        version.value = version.value + 1;
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
        return new Param(newName, this);
    }

    public void zeroGrad() {
        java.util.Arrays.fill(grad, 0f);
    }

    @Override
    public String toString() {
        return "Param(" + name + ", " + data.length + ")";
    }
}
